
/// A table's paired difference (`TableSpec.Difference`) computed over its jobs: one line per
/// configuration of the other params and metric, with the spread of the difference across
/// the pairs and the 95 % interval of its mean.
public struct TableDifference: Sendable {
    /// One configuration's difference for one metric.
    public struct Line: Sendable {
        /// Values of `keys`, the table's row and column params other than the compared one.
        public var labels: [ParamValue?]
        /// The metric compared (for a metric difference, the first of the two).
        public var metric: String
        /// Mean ± sd of the pairs' differences (each pair: two window means); nil without pairs.
        public var summary: SampleSummary?
        /// Mean ± sd of each difference relative to its second side's |value|; nil when a
        /// second side is 0.
        public var relative: SampleSummary?
        /// Student-t 95 % interval of the mean difference; nil with fewer than two pairs.
        public var interval: ClosedRange<Double>?
        /// Done jobs of either side that found no partner (a seed missing on the other side).
        public var unpaired: Int

        /// Whether the interval holds 0: the sign of the difference is not settled by the pairs.
        public var isWithinNoise: Bool {
            interval.map { $0.contains(0) } ?? true
        }
    }

    /// What is compared.
    public let difference: TableSpec.Difference
    /// The params labelling each line.
    public let keys: [String]
    /// The lines, in the table's row and column order.
    public let lines: [Line]
    /// Why there are no lines, when there are none (e.g. the param is not in the table).
    public let note: String?
}

extension SampleSummary {
    /// The two-sided 95 % Student-t interval of the mean; nil without an sd.
    public var meanInterval95: ClosedRange<Double>? {
        guard let sd, count >= 2 else { return nil }
        let halfWidth = Self.t975(degreesOfFreedom: count - 1) * sd / Double(count).squareRoot()
        return (mean - halfWidth)...(mean + halfWidth)
    }

    /// The 0.975 quantile of Student's t: exact to three decimals up to 30 degrees of
    /// freedom, then 1.96 + 2.5 / df, within 0.002 of the exact value.
    static func t975(degreesOfFreedom df: Int) -> Double {
        precondition(df >= 1, "t975: at least one degree of freedom")
        let table: [Double] = [
            12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
            2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
            2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
        ]
        return df <= table.count ? table[df - 1] : 1.96 + 2.5 / Double(df)
    }
}
