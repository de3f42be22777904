
/// The done jobs of a table as points for the search plots (parallel coordinates, scatter):
/// each drawn job's value of every swept param and of the main metric.
///
/// Points are in drawing order, worst first, so the best are drawn last, on top. At most
/// `maxPoints` are kept: the best `maxPoints / 5`, and an even sample (by job id) of the rest,
/// so a 100,000-job sweep draws a bounded, deterministic picture that still shows its best.
struct TrialPoints {
    /// One param's axis.
    struct Dimension {
        var key: String
        var scale: ParamScale
        /// Per point: the numeric value, or the category's index; NaN when the job lacks the param.
        var values: [Double]
    }

    var metric: String
    var direction: TableSpec.Direction
    var dimensions: [Dimension]
    /// Per point: the main metric (the job's mean over the table's window).
    var objective: [Double]
    /// Per point: the job's id (for tooltips).
    var jobIDs: [Int]
    /// Done jobs with a finite value, before thinning.
    var totalCount: Int
    /// Of the points, how many were kept because they are the best (all of them when not thinned).
    var bestKept: Int

    static let maxPoints = 1_000
    /// Params drawn at most (axes of the parallel plot, panels of the scatter).
    static let maxDimensions = 12

    /// Whether fewer points are drawn than there are jobs.
    var isThinned: Bool { objective.count < totalCount }

    /// Low and high of the finite objective values (0...1 when there are none).
    var objectiveRange: (low: Double, high: Double) {
        var low = Double.infinity, high = -Double.infinity
        for value in objective where value.isFinite {
            low = min(low, value)
            high = max(high, value)
        }
        return low <= high ? (low, high) : (0, 1)
    }

    /// Where `value` sits between the worst (0) and the best (1) objective value drawn.
    func goodness(_ value: Double) -> Double {
        let (low, high) = objectiveRange
        guard high > low else { return 1 }
        let fraction = (value - low) / (high - low)
        return direction == .maximize ? fraction : 1 - fraction
    }

    /// Builds the points from `(job, value)` pairs in job-id order.
    ///
    /// - Parameters:
    ///   - keys: The swept params, in table order (only the first `maxDimensions` are drawn).
    ///   - logKeys: Params drawn on a log axis when all their values are positive.
    init(metric: String, direction: TableSpec.Direction, entries: [(job: ReportJob, value: Double)], keys: [String], logKeys: Set<String>) {
        self.metric = metric
        self.direction = direction
        totalCount = entries.count
        let better: (Double, Double) -> Bool = direction == .maximize ? { $0 > $1 } : { $0 < $1 }
        // Best first; ties by id order, so the choice is deterministic.
        let ranked = entries.indices.sorted { a, b in
            entries[a].value != entries[b].value ? better(entries[a].value, entries[b].value) : a < b
        }
        var kept: [Int]
        if entries.count <= Self.maxPoints {
            kept = ranked
            bestKept = entries.count
        } else {
            let bestCount = Self.maxPoints / 5
            var chosen = Set(ranked.prefix(bestCount))
            bestKept = bestCount
            let rest = entries.indices.filter { !chosen.contains($0) }
            for index in Report.evenlySpaced(rest.count, atMost: Self.maxPoints - bestCount) { chosen.insert(rest[index]) }
            kept = ranked.filter { chosen.contains($0) }
        }
        kept.reverse()  // worst first: the best are drawn last, on top
        objective = kept.map { entries[$0].value }
        jobIDs = kept.map { entries[$0].job.id }

        dimensions = keys.filter { $0 != TableSpec.seedKey }.prefix(Self.maxDimensions).map { key in
            let values = kept.map { entries[$0].job.value(of: key) }
            if values.allSatisfy({ $0 == nil || $0?.numericValue != nil }) {
                let numbers = values.map { $0?.numericValue ?? .nan }
                var low = Double.infinity, high = -Double.infinity
                for number in numbers where number.isFinite {
                    low = min(low, number)
                    high = max(high, number)
                }
                if low > high { (low, high) = (0, 1) }
                return Dimension(key: key, scale: ParamScale(low: low, high: high, log: logKeys.contains(key)), values: numbers)
            }
            // Categories in natural order, a missing value last.
            let distinct = Set(values).sorted { lhs, rhs in
                switch (lhs, rhs) {
                case (nil, _): return false
                case (_, nil): return true
                case let (lhs?, rhs?): return lhs < rhs
                }
            }
            var position: [ParamValue?: Int] = [:]
            for (index, value) in distinct.enumerated() { position[value] = index }
            return Dimension(key: key, scale: ParamScale(categories: distinct.map(ReportFormat.value)),
                             values: values.map { Double(position[$0]!) })
        }
    }
}
