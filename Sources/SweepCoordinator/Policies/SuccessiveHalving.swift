/// One bracket of asynchronous successive halving (ASHA, Li et al., MLSys 2020), in either
/// of its two forms.
///
/// Rungs sit at `grace x reduction^k` epochs. The first time a job reports at or past a rung
/// it has not been compared at (the highest such rung), its value is recorded there and judged:
/// - stopping form (Ray Tune's `ASHAScheduler`): compared with the values other jobs recorded
///   there before it; below the `1 - 1/reduction` quantile of them, it stops. The first jobs
///   at a rung always go on, so early decisions are lenient and later ones stricter.
/// - promotion form (`pause`, Li et al.'s Algorithm 2): it goes on only if it is among the top
///   `n / reduction` of the `n` jobs recorded there (itself included); otherwise it pauses.
///   A paused job is promoted (run again: sweep keeps no checkpoints) once enough jobs have
///   reached its rung behind it for it to rank in that top; promotions go before new jobs,
///   the highest rung first. A finite grid could leave every job paused below its end: while
///   no job has run to its end and nothing else runs or waits, the best paused job at the
///   highest rung is promoted (`fallback`), as synchronous successive halving keeps at least one.
struct SuccessiveHalving {
    struct Rung {
        var milestone: Int
        /// Scores recorded here (larger is better), sorted ascending, with their jobs.
        var entries: [(score: Double, job: Int64)] = []
        var jobs: Set<Int64> = []
        /// Promotion form: jobs that went on past this rung, in place or promoted.
        var promoted: Set<Int64> = []
    }

    /// Why a job stops or pauses: the rung it failed and the bar it missed (in scores; nil
    /// when too few jobs are recorded there for any to go on yet).
    struct Cut: Equatable {
        var milestone: Int
        var cutoff: Double?
        var recorded: Int
        /// Promotion form: how many of the `recorded` go on (`recorded / reduction`).
        var quota: Int?
    }

    let grace: Int
    let reduction: Int
    let pause: Bool
    /// Rungs in ascending order, made as jobs reach them.
    private(set) var rungs: [Rung] = []
    /// Promotion form: jobs judged to pause whose end is not recorded yet, and paused jobs
    /// (ended), by the index of the rung they wait at.
    private var pausing: [Int64: Int] = [:]
    private var paused: [Int64: Int] = [:]

    init(grace: Int, reduction: Int, pause: Bool = false) {
        precondition(grace >= 1 && reduction >= 2)
        self.grace = grace
        self.reduction = reduction
        self.pause = pause
    }

    /// Records `score` (larger is better) of `job` at `epoch`; returns the cut it failed, or
    /// nil to go on. Rungs at or past `lastEpoch` (the job's end) do not apply. `alone`
    /// (promotion form): nothing else runs or waits to run, so a job that would pause and be
    /// promoted straight back by the fallback goes on instead.
    mutating func observe(job: Int64, epoch: Int, score: Double, lastEpoch: Int?, alone: Bool = false,
                          recordOnly: Bool = false) -> Cut? {
        extendRungs(through: epoch)
        // The highest rung reached and not yet recorded, as Ray's ASHA walks its rungs.
        for index in rungs.indices.reversed() where epoch >= rungs[index].milestone {
            if let lastEpoch, rungs[index].milestone >= lastEpoch { continue }
            // A promoted job run again passes the rungs it was judged at: not judged twice.
            guard !rungs[index].jobs.contains(job) else { return nil }
            let cutoff = Self.quantile(count: rungs[index].entries.count, 1 - 1 / Double(reduction)) { [entries = rungs[index].entries] in
                entries[$0].score
            }
            let recorded = rungs[index].entries.count
            rungs[index].jobs.insert(job)
            let at = Self.insertionIndex(of: score, count: recorded) { [entries = rungs[index].entries] in entries[$0].score }
            rungs[index].entries.insert((score, job), at: at)
            guard !recordOnly else { return nil }
            guard pause else {
                if let cutoff, score < cutoff { return Cut(milestone: rungs[index].milestone, cutoff: cutoff, recorded: recorded) }
                return nil
            }
            let quota = rungs[index].entries.count / reduction
            if inTop(quota, job: job, at: index) || (alone && isFallback(job, at: index, score: score)) {
                rungs[index].promoted.insert(job)
                return nil
            }
            pausing[job] = index
            let entries = rungs[index].entries
            return Cut(milestone: rungs[index].milestone, cutoff: quota > 0 ? entries[entries.count - quota].score : nil,
                       recorded: entries.count, quota: quota)
        }
        return nil
    }

    /// Promotion form: a job's end. A job judged to pause and stopped waits at its rung; one
    /// that ran to its end instead (done) is promoted wherever it was recorded.
    mutating func ended(job: Int64, stopped: Bool) {
        guard let index = pausing.removeValue(forKey: job) else { return }
        if stopped { paused[job] = index } else { rungs[index].promoted.insert(job) }
    }

    /// Promotion form: the paused job to run again next, or nil: the best of those in the
    /// top `n / reduction` of their rung, the highest rung first.
    func promotion() -> Int64? {
        for index in rungs.indices.reversed() {
            let rung = rungs[index]
            for entry in rung.entries.suffix(rung.entries.count / reduction).reversed()
            where paused[entry.job] == index && !rung.promoted.contains(entry.job) {
                return entry.job
            }
        }
        return nil
    }

    /// Promotion form: the job the fallback would run again (the best paused job at the
    /// highest rung holding one), or nil.
    func fallback() -> (job: Int64, milestone: Int)? {
        for index in rungs.indices.reversed() {
            if let entry = rungs[index].entries.last(where: { paused[$0.job] == index }) {
                return (entry.job, rungs[index].milestone)
            }
        }
        return nil
    }

    /// Marks a paused job promoted: it runs again and is judged from its rung on.
    mutating func promote(_ job: Int64) {
        guard let index = paused.removeValue(forKey: job) else { return }
        rungs[index].promoted.insert(job)
    }

    /// Resume: what the store says became of a job whose recorded values were replayed
    /// (`recordOnly`): paused at the rung of `pausedAtEpoch` (promoted below it), or, when
    /// nil, promoted at every rung it was recorded at (it is running, queued, or done).
    mutating func restore(job: Int64, pausedAtEpoch: Int?) {
        for index in rungs.indices where rungs[index].jobs.contains(job) {
            if let epoch = pausedAtEpoch, rungs[index].milestone <= epoch,
               !rungs[(index + 1)...].contains(where: { $0.jobs.contains(job) && $0.milestone <= epoch }) {
                paused[job] = index
            } else {
                rungs[index].promoted.insert(job)
            }
        }
    }

    /// In the top `quota` of rung `index` (of equal scores, the later arrival ranks higher).
    private func inTop(_ quota: Int, job: Int64, at index: Int) -> Bool {
        guard quota > 0 else { return false }
        let entries = rungs[index].entries
        return entries[(entries.count - quota)...].contains { $0.job == job }
    }

    /// Would the fallback run this job again if it paused now: no paused (or pausing) job at
    /// a higher rung, none better at this one.
    private func isFallback(_ job: Int64, at index: Int, score: Double) -> Bool {
        guard !paused.values.contains(where: { $0 > index }), !pausing.values.contains(where: { $0 > index }) else { return false }
        return !rungs[index].entries.contains { ($0.job != job && (paused[$0.job] == index || pausing[$0.job] == index)) && $0.score > score }
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
        quantile(count: values.count, q) { values[$0] }
    }

    /// The same over `count` sorted values read by index: no copy of a rung's list per line.
    static func quantile(count: Int, _ q: Double, _ value: (Int) -> Double) -> Double? {
        guard count > 0 else { return nil }
        let position = q * Double(count - 1)
        let lower = Int(position.rounded(.down))
        let upper = min(lower + 1, count - 1)
        return value(lower) + (position - Double(lower)) * (value(upper) - value(lower))
    }

    /// Where `value` goes in ascending `values` (after equal ones).
    static func insertionIndex(of value: Double, in values: [Double]) -> Int {
        insertionIndex(of: value, count: values.count) { values[$0] }
    }

    /// The same among `count` ascending values read by index.
    static func insertionIndex(of value: Double, count: Int, _ key: (Int) -> Double) -> Int {
        var low = 0, high = count
        while low < high {
            let middle = (low + high) / 2
            if key(middle) <= value { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
