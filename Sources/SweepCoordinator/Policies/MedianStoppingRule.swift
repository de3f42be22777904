/// Vizier's median stopping rule (Golovin et al., KDD 2017), as Ray Tune's
/// `MedianStoppingRule`: after `grace` epochs, a job whose best score so far is below the
/// median of the other jobs' running averages at the same epoch stops, once at least
/// `minJobs` others have reached that epoch.
struct MedianStoppingRule {
    struct Cut: Equatable {
        var median: Double
        var others: Int
        var best: Double
    }

    let grace: Int
    let minJobs: Int
    /// Per epoch, the running averages (scores) of every job that reached it, sorted.
    private var averages: [Int: [Double]] = [:]
    /// Per job: sum and count of its scores so far, and its best.
    private var jobs: [Int64: (sum: Double, count: Int, best: Double)] = [:]

    init(grace: Int, minJobs: Int) {
        self.grace = grace
        self.minJobs = minJobs
    }

    mutating func observe(job: Int64, epoch: Int, score: Double) -> Cut? {
        var state = jobs[job] ?? (0, 0, -.infinity)
        state.sum += score
        state.count += 1
        state.best = max(state.best, score)
        jobs[job] = state
        let average = state.sum / Double(state.count)
        // Inserted in place: a copy out of the dictionary would copy the whole list each line.
        let own = SuccessiveHalving.insertionIndex(of: average, in: averages[epoch] ?? [])
        averages[epoch, default: []].insert(average, at: own)
        let atEpoch = averages[epoch]!
        let others = atEpoch.count - 1
        guard epoch >= grace, others >= minJobs else { return nil }
        // The median of the others: the sorted list without this job's own entry.
        func other(_ i: Int) -> Double { atEpoch[i < own ? i : i + 1] }
        let median = others % 2 == 1 ? other(others / 2) : (other(others / 2 - 1) + other(others / 2)) / 2
        return state.best < median ? Cut(median: median, others: others, best: state.best) : nil
    }
}
