import Foundation
import SweepCore

/// The coordinator's stopping policy: given every epoch's metrics of every job, it says which
/// jobs to stop and why (`StopSettings`: median, asha or hyperband, on the sweep's
/// `Objective`).
///
/// Decisions depend only on the order metrics arrive in, so replaying a sweep's stored
/// metrics in that order (`resume`) rebuilds the same state; with `pause`, the store's job
/// states and stop decisions say which jobs wait at which rung (`restore`). Each decision
/// costs a binary search and an insertion in one sorted list (a rung's, or an epoch's running
/// averages).
public struct EarlyStopping: Sendable {
    public let objective: Objective
    public let settings: StopSettings
    private var brackets: [SuccessiveHalving]
    private var median: MedianStoppingRule?
    /// Per job, what the objective needs of its curve so far.
    private var curves: [Int64: Curve] = [:]
    /// Jobs that ran to their end (`pause`: the fallback keeps one).
    private var finishers = 0

    /// How a job's attempt ended, for the rule.
    public enum End: Sendable { case done, stopped, failed }

    /// The part of a job's curve the objective's value needs: the last value, the best, or
    /// the last `n` values (a ring with their sum, so each epoch costs O(1)).
    struct Curve: Sendable {
        var last = 0.0
        var best = -Double.infinity
        var window: [Double] = []
        var next = 0
        var sum = 0.0

        mutating func push(_ score: Double, keeping n: Int) {
            if window.count < n {
                window.append(score)
            } else {
                sum -= window[next]
                window[next] = score
                next = (next + 1) % n
            }
            sum += score
        }
    }

    public init(objective: Objective, settings: StopSettings) {
        self.objective = objective
        self.settings = settings
        switch settings.rule {
        case .median:
            brackets = []
            median = MedianStoppingRule(grace: settings.grace, minJobs: settings.minJobs)
        case .asha, .hyperband:
            var grace = settings.grace
            brackets = (0..<settings.brackets).map { _ in
                defer { grace = grace.multipliedReportingOverflow(by: settings.reduction).partialValue }
                return SuccessiveHalving(grace: grace, reduction: settings.reduction, pause: settings.pause)
            }
        }
    }

    /// Records one epoch of `job`'s metrics; returns why it should stop (or pause) now, or nil.
    /// - Parameter lastEpoch: the job's last epoch when known (its `epochs`): no rung there.
    /// - Parameter alone: nothing else runs or waits to run (`pause`: see `SuccessiveHalving`).
    /// - Parameter recordOnly: resume's replay of stored metrics: recorded, nothing decided.
    public mutating func observe(job: Int64, epoch: Int, metrics: [String: Double], lastEpoch: Int?, alone: Bool = false,
                                 recordOnly: Bool = false) -> String? {
        guard let raw = metrics[objective.metric], raw.isFinite else { return nil }
        let score = objective.score(raw)
        var curve = curves[job] ?? Curve()
        curve.last = score
        curve.best = max(curve.best, score)
        if case .window(let n) = objective.at { curve.push(score, keeping: n) }
        curves[job] = curve
        let current: Double = switch objective.at {
        case .last: curve.last
        case .best: curve.best
        case .window: curve.sum / Double(curve.window.count)
        }
        let name = objective.metric
        if var median {
            defer { self.median = median }
            guard let cut = median.observe(job: job, epoch: epoch, score: score), !recordOnly else { return nil }
            return "stopped at epoch \(epoch) by median: best \(name) \(shown(cut.best)) below the median \(shown(cut.median)) "
                + "of \(cut.others) other jobs' running averages"
        }
        let bracket = bracket(of: job)
        guard let cut = brackets[bracket].observe(job: job, epoch: epoch, score: current, lastEpoch: lastEpoch,
                                                  alone: alone && finishers == 0, recordOnly: recordOnly) else { return nil }
        let rule = settings.rule == .hyperband ? "hyperband (bracket \(bracket + 1))" : "asha"
        let side = objective.mode == .max ? "below" : "above"
        guard let quota = cut.quota else {
            return "stopped at epoch \(epoch) by \(rule): \(name) \(shown(current)) \(side) the rung's cutoff "
                + "\(shown(cut.cutoff ?? current)) (rung at epoch \(cut.milestone), \(cut.recorded) jobs recorded)"
        }
        let paused = "; paused: runs again if enough jobs reach the rung behind it"
        guard let cutoff = cut.cutoff else {
            return "stopped at epoch \(epoch) by \(rule): \(cut.recorded) of the \(settings.reduction) jobs the rung at epoch "
                + "\(cut.milestone) needs before one goes on" + paused
        }
        return "stopped at epoch \(epoch) by \(rule): \(name) \(shown(current)) \(side) the rung's cutoff \(shown(cutoff)) "
            + "(rung at epoch \(cut.milestone): the best \(quota) of \(cut.recorded) go on)" + paused
    }

    /// A job's attempt starts: its curve starts again (a promoted job runs from its start).
    public mutating func started(job: Int64) {
        curves[job] = nil
    }

    /// Forgets what a finished job needs for its objective value; its recorded rung values
    /// and running averages stay, as the bar later jobs meet. A job the rule paused waits at
    /// its rung (`pause`).
    public mutating func ended(job: Int64, as end: End) {
        curves[job] = nil
        if end == .done { finishers += 1 }
        guard settings.pause else { return }
        brackets[bracket(of: job)].ended(job: job, stopped: end == .stopped)
    }

    /// `pause`: the paused job to run again next, or nil. `idle`: nothing runs or waits to
    /// run, so while no job has run to its end the best paused one at the highest rung goes.
    public func promotion(idle: Bool) -> Int64? {
        guard settings.pause else { return nil }
        for bracket in brackets { if let job = bracket.promotion() { return job } }
        guard idle, finishers == 0 else { return nil }
        return brackets.compactMap { $0.fallback() }.max { $0.milestone < $1.milestone }?.job
    }

    /// Marks a paused job (`promotion`) as running again.
    public mutating func promote(_ job: Int64) {
        brackets[bracket(of: job)].promote(job)
    }

    /// Resume, after the stored curves are replayed (`recordOnly`): `pause` takes which jobs
    /// this sweep's rule paused (stopped, with its decision's epoch) and which ran to their end.
    public mutating func restore(job: Int64, state: JobState, stoppedAtEpoch: Int?) {
        if state == .done { finishers += 1 }
        guard settings.pause else { return }
        brackets[bracket(of: job)].restore(job: job, pausedAtEpoch: state == .stopped ? stoppedAtEpoch : nil)
    }

    /// Hyperband: jobs go to brackets round-robin by id, which a resume sees the same.
    private func bracket(of job: Int64) -> Int {
        Int(job.magnitude % UInt64(brackets.count))
    }

    /// A score back in the metric's own sign, with 4 significant digits.
    private func shown(_ score: Double) -> String {
        let value = objective.mode == .max ? score : -score
        return value.formatted(significantDigits: 4)
    }
}

extension Double {
    /// `0.6125`, `1.235e+05`: enough digits to tell a value from the cutoff it missed.
    func formatted(significantDigits digits: Int) -> String {
        guard isFinite, self != 0 else { return "\(self)" }
        let magnitude = Int(Foundation.log10(Swift.abs(self)).rounded(.down))
        if magnitude < -4 || magnitude >= digits + 2 { return String(format: "%.\(digits - 1)e", self) }
        return String(format: "%.\(Swift.max(0, digits - 1 - magnitude))f", self)
    }
}
