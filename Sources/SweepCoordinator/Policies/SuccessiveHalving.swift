/// One bracket of asynchronous successive halving (ASHA, Li et al., MLSys 2020), in the
/// stopping form Ray Tune's `ASHAScheduler` uses.
///
/// Rungs sit at `grace x reduction^k` epochs. The first time a job reports at or past a rung
/// it has not been compared at (the highest such rung), its value is compared with the values
/// other jobs recorded there before it: below the `1 - 1/reduction` quantile of them, it
/// stops; either way its value is recorded. A job never waits for others (asynchronous), and
/// the first jobs at a rung always go on, so early decisions are lenient and later ones stricter.
struct SuccessiveHalving {
    struct Rung {
        var milestone: Int
        /// Scores recorded here (larger is better), sorted ascending.
        var scores: [Double] = []
        var jobs: Set<Int64> = []
    }

    /// Why a job stops: the rung it failed and the bar it missed (in scores).
    struct Cut: Equatable {
        var milestone: Int
        var cutoff: Double
        var recorded: Int
    }

    let grace: Int
    let reduction: Int
    /// Rungs in ascending order, made as jobs reach them.
    private(set) var rungs: [Rung] = []

    init(grace: Int, reduction: Int) {
        precondition(grace >= 1 && reduction >= 2)
        self.grace = grace
        self.reduction = reduction
    }

    /// Records `score` (larger is better) of `job` at `epoch`; returns the cut it failed, or
    /// nil to go on. Rungs at or past `lastEpoch` (the job's end) do not apply.
    mutating func observe(job: Int64, epoch: Int, score: Double, lastEpoch: Int?) -> Cut? {
        extendRungs(through: epoch)
        // The highest rung reached and not yet recorded, as Ray's ASHA walks its rungs.
        for index in rungs.indices.reversed() where epoch >= rungs[index].milestone {
            if let lastEpoch, rungs[index].milestone >= lastEpoch { continue }
            guard !rungs[index].jobs.contains(job) else { return nil }
            let cutoff = Self.quantile(rungs[index].scores, 1 - 1 / Double(reduction))
            let recorded = rungs[index].scores.count
            rungs[index].jobs.insert(job)
            rungs[index].scores.insert(score, at: Self.insertionIndex(of: score, in: rungs[index].scores))
            if let cutoff, score < cutoff { return Cut(milestone: rungs[index].milestone, cutoff: cutoff, recorded: recorded) }
            return nil
        }
        return nil
    }

    private mutating func extendRungs(through epoch: Int) {
        var next = rungs.last.map { $0.milestone.multipliedReportingOverflow(by: reduction) } ?? (partialValue: grace, overflow: false)
        while !next.overflow, next.partialValue <= epoch {
            rungs.append(Rung(milestone: next.partialValue))
            next = next.partialValue.multipliedReportingOverflow(by: reduction)
        }
    }

    /// The `q` quantile of sorted `values` with linear interpolation (numpy's default), or nil
    /// for none.
    static func quantile(_ values: [Double], _ q: Double) -> Double? {
        guard !values.isEmpty else { return nil }
        let position = q * Double(values.count - 1)
        let lower = Int(position.rounded(.down))
        let upper = min(lower + 1, values.count - 1)
        return values[lower] + (position - Double(lower)) * (values[upper] - values[lower])
    }

    /// Where `value` goes in ascending `values` (after equal ones).
    static func insertionIndex(of value: Double, in values: [Double]) -> Int {
        var low = 0, high = values.count
        while low < high {
            let middle = (low + high) / 2
            if values[middle] <= value { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
