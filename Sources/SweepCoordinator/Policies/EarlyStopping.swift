import Foundation
import SweepCore

/// The coordinator's stopping policy: given every epoch's metrics of every job, it says which
/// jobs to stop and why (`StopSettings`: median, asha or hyperband, on the sweep's
/// `Objective`).
///
/// Decisions depend only on the order metrics arrive in, so replaying a sweep's stored
/// metrics in that order (`resume`) rebuilds the same state. Each decision costs a binary
/// search and an insertion in one sorted list (a rung's, or an epoch's running averages).
public struct EarlyStopping: Sendable {
    public let objective: Objective
    public let settings: StopSettings
    private var brackets: [SuccessiveHalving]
    private var median: MedianStoppingRule?
    /// Per job, what the objective needs of its curve so far.
    private var curves: [Int64: Curve] = [:]

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
                return SuccessiveHalving(grace: grace, reduction: settings.reduction)
            }
        }
    }

    /// Records one epoch of `job`'s metrics; returns why it should stop now, or nil.
    /// - Parameter lastEpoch: the job's last epoch when known (its `epochs`): no rung there.
    public mutating func observe(job: Int64, epoch: Int, metrics: [String: Double], lastEpoch: Int?) -> String? {
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
            guard let cut = median.observe(job: job, epoch: epoch, score: score) else { return nil }
            return "stopped at epoch \(epoch) by median: best \(name) \(shown(cut.best)) below the median \(shown(cut.median)) "
                + "of \(cut.others) other jobs' running averages"
        }
        // Hyperband: jobs go to brackets round-robin by id, which a resume sees the same.
        let bracket = Int(job.magnitude % UInt64(brackets.count))
        guard let cut = brackets[bracket].observe(job: job, epoch: epoch, score: current, lastEpoch: lastEpoch) else { return nil }
        let rule = settings.rule == .hyperband ? "hyperband (bracket \(bracket + 1))" : "asha"
        return "stopped at epoch \(epoch) by \(rule): \(name) \(shown(current)) \(objective.mode == .max ? "below" : "above") "
            + "the rung's cutoff \(shown(cut.cutoff)) (rung at epoch \(cut.milestone), \(cut.recorded) jobs recorded)"
    }

    /// Forgets what a finished job needs for its objective value; its recorded rung values
    /// and running averages stay, as the bar later jobs meet.
    public mutating func ended(job: Int64) {
        curves[job] = nil
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
