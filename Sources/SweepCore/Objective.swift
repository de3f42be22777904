/// What a sweep optimises: one metric, its direction, and which of a job's values counts.
///
/// Early stopping, `sweep best` and the report's best configurations all read it.
public struct Objective: Sendable, Hashable {
    public enum Mode: String, Sendable, Hashable, CaseIterable {
        case max, min
    }

    /// Which value of a job's curve is its result.
    public enum At: Sendable, Hashable {
        /// The value at the job's last epoch.
        case last
        /// The best value of any epoch.
        case best
        /// The mean of the last `n` epochs.
        case window(Int)
    }

    public var metric: String
    public var mode: Mode
    public var at: At

    public init(metric: String, mode: Mode, at: At = .last) {
        self.metric = metric
        self.mode = mode
        self.at = at
    }

    /// `value` with the sign that makes larger better, so rules compare one way.
    public func score(_ value: Double) -> Double { mode == .max ? value : -value }

    /// Whether `a` is better than `b`.
    public func isBetter(_ a: Double, than b: Double) -> Bool { score(a) > score(b) }

    /// The result of a curve (values in epoch order), or nil for an empty one.
    public func value(of curve: some Collection<Double>) -> Double? {
        guard !curve.isEmpty else { return nil }
        switch at {
        case .last: return curve[curve.index(curve.endIndex, offsetBy: -1)]
        case .best: return mode == .max ? curve.max() : curve.min()
        case .window(let n):
            let tail = curve.suffix(n)
            return tail.reduce(0, +) / Double(tail.count)
        }
    }

    /// `test_acc (max, at the last epoch)`.
    public var description: String {
        let which = switch at {
        case .last: "at the last epoch"
        case .best: "best epoch"
        case .window(let n): "mean of the last \(n) epochs"
        }
        return "\(metric) (\(mode.rawValue), \(which))"
    }
}

/// The `stop` section: which early-stopping rule stops hopeless jobs, with its parameters.
///
/// Named as in the papers and Ray Tune: `grace` (Ray's `grace_period`, ASHA's minimum
/// resource r), `reduction` (`reduction_factor`, ASHA's eta), `min_jobs` (the median rule's
/// `min_samples_required`), `brackets` (Hyperband's brackets), `pause` (successive halving
/// in its promotion form, Li et al.'s Algorithm 2, rather than Ray Tune's stopping form).
public struct StopSettings: Sendable, Hashable {
    public enum Rule: String, Sendable, Hashable, CaseIterable {
        /// Vizier's median stopping rule (Golovin et al., KDD 2017).
        case median
        /// Asynchronous successive halving (Li et al., MLSys 2020), stopping variant.
        case asha
        /// Several ASHA brackets with growing grace (Li et al., JMLR 2018), jobs round-robin.
        case hyperband
    }

    public var rule: Rule
    /// Epochs every job runs before it can be stopped (the first rung).
    public var grace: Int
    /// Only the best 1/reduction of the jobs at a rung go on (asha, hyperband).
    public var reduction: Int
    /// Jobs that must have reached an epoch before the median rule compares there.
    public var minJobs: Int
    /// Hyperband's brackets; asha is one.
    public var brackets: Int
    /// asha and hyperband: a job outside a rung's top 1/reduction is paused there (stopped, its
    /// slot freed) and promoted later if enough others reach the rung behind it, run again
    /// from its start (no checkpoints); false judges each job once at each rung, as Ray Tune.
    public var pause: Bool

    public init(rule: Rule, grace: Int = 1, reduction: Int = 3, minJobs: Int = 3, brackets: Int = 3, pause: Bool = false) {
        self.rule = rule
        self.grace = grace
        self.reduction = reduction
        self.minJobs = minJobs
        self.brackets = rule == .asha ? 1 : brackets
        self.pause = rule != .median && pause
    }

    /// The epochs at which bracket `bracket` compares jobs: grace x reduction^(bracket + k),
    /// up to `maxEpochs` (exclusive: a job's last epoch is its end, not a rung).
    public func rungs(bracket: Int = 0, maxEpochs: Int) -> [Int] {
        var rungs: [Int] = []
        var milestone = grace
        for _ in 0..<bracket { milestone = milestone.multipliedReportingOverflow(by: reduction).partialValue }
        while milestone > 0, milestone < maxEpochs {
            rungs.append(milestone)
            let (next, overflow) = milestone.multipliedReportingOverflow(by: reduction)
            if overflow { break }
            milestone = next
        }
        return rungs
    }

    /// `asha (grace 5, reduction 3)`.
    public var description: String {
        switch rule {
        case .median: "median (grace \(grace), min_jobs \(minJobs))"
        case .asha: "asha (grace \(grace), reduction \(reduction)\(pause ? ", pausing" : ""))"
        case .hyperband: "hyperband (grace \(grace), reduction \(reduction), brackets \(brackets)\(pause ? ", pausing" : ""))"
        }
    }
}
