/// Mean and sample standard deviation (n - 1 denominator) of a set of values.
public struct SampleSummary: Sendable, Equatable {
    /// Arithmetic mean.
    public var mean: Double
    /// Sample standard deviation; nil when `count < 2` (undefined).
    public var sd: Double?
    /// Number of values summarised.
    public var count: Int

    /// Creates a summary from its parts.
    public init(mean: Double, sd: Double?, count: Int) {
        self.mean = mean
        self.sd = sd
        self.count = count
    }

    /// Summarises `values` with the two-pass algorithm (mean first, then squared deviations),
    /// which avoids the cancellation of the one-pass sum-of-squares formula.
    ///
    /// - Returns: nil for an empty buffer.
    public init?(_ values: UnsafeBufferPointer<Double>) {
        let count = values.count
        guard count > 0 else { return nil }
        var sum = 0.0
        for value in values { sum += value }
        let mean = sum / Double(count)
        var squares = 0.0
        for value in values {
            let deviation = value - mean
            squares += deviation * deviation
        }
        self.init(mean: mean, sd: count > 1 ? (squares / Double(count - 1)).squareRoot() : nil, count: count)
    }

    /// Summarises an array of values; nil when empty.
    public init?(_ values: [Double]) {
        guard let summary = values.withUnsafeBufferPointer({ SampleSummary($0) }) else { return nil }
        self = summary
    }

    /// The moving-window summary of a series: mean and sample sd of its last `window` epochs
    /// (all epochs when it has fewer).
    ///
    /// - Returns: nil for an empty series.
    public static func lastWindow(of series: MetricSeries, window: Int) -> SampleSummary? {
        precondition(window > 0, "window must be positive")
        return series.values.withUnsafeBufferPointer { values in
            let start = max(0, values.count - window)
            return SampleSummary(UnsafeBufferPointer(rebasing: values[start...]))
        }
    }
}
