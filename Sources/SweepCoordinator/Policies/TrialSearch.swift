import SweepCore
import SweepSearch

/// The state of a running model-based search: every trial's point, its job and what its
/// job reported, and the sampler built on them. Fed by the coordinator (metrics, ends) and
/// asked for the next trial when a slot frees; rebuilt from the store on resume, so the
/// same trials in the same states give the same proposals.
///
/// What the model sees of a trial (Optuna's rules): finished ok -> its objective value;
/// running or waiting -> the worst value (constant liar); failed -> nothing. With a stop
/// rule (BOHB, Falkner et al. 2018) the model is fit at the largest budget with at least
/// `startup` values: the trials' end if enough finished, else the highest rung enough
/// trials reached (their value there), so trials the rule stopped still inform it.
final class TrialSearch {
    enum State: Equatable {
        /// Waiting or running (a retried attempt starts again).
        case running
        case done
        case failed
        case stopped
    }

    struct Trial {
        var job: Int64
        var state = State.running
        var attempt = 0
        /// The objective's view of the curve so far (scores: larger is better).
        var curve = EarlyStopping.Curve()
        var reported = false
        /// Loss (lower is better) at each rung reached, by rung index.
        var rungLosses: [Double?]
    }

    let plan: ModelSearch
    private(set) var trials: [Trial] = []
    private var trialsOfJob: [Int64: [Int]] = [:]
    private let sampler: TPESampler
    /// Rung epochs ascending (every bracket's), for BOHB; empty without a stop rule.
    private let rungs: [Int]

    init(plan: ModelSearch) {
        self.plan = plan
        sampler = TPESampler(dimensions: plan.parameters.map(\.dimension), settings: plan.settings)
        if let stop = plan.stop, stop.rule != .median {
            let maxEpochs = plan.template["epochs"]?.intValue ?? Int.max
            rungs = Array(Set((0..<stop.brackets).flatMap { stop.rungs(bracket: $0, maxEpochs: maxEpochs) })).sorted()
        } else if let stop = plan.stop {
            // The median rule has no rungs: its grace is the one budget below the end.
            rungs = [stop.grace]
        } else {
            rungs = []
        }
    }

    /// Trials proposed so far.
    var count: Int { trials.count }
    var canPropose: Bool { trials.count < plan.trials }
    var failedCount: Int { trials.count { $0.state == .failed } }

    func trials(of job: Int64) -> [Int] { trialsOfJob[job] ?? [] }

    /// Adds a trial (proposed now, or read back from the store) at `config`'s values.
    /// Returns false when the config does not fit the search (a store edited by hand).
    @discardableResult
    func add(job: Int64, config: JobConfig) -> Bool {
        var point: [Double] = []
        for parameter in plan.parameters {
            guard let x = parameter.coordinate(of: config[parameter.name]) else { return false }
            point.append(x)
        }
        sampler.add(point)
        trialsOfJob[job, default: []].append(trials.count)
        trials.append(Trial(job: job, rungLosses: Array(repeating: nil, count: rungs.count)))
        return true
    }

    /// The next trial's config, and what it was proposed from.
    func propose() -> (config: JobConfig, basis: String) {
        var generator = plan.generator(trial: trials.count)
        let budget = setOutcomes()
        let proposal = sampler.propose(&generator)
        var values = plan.template.values
        for (parameter, x) in zip(plan.parameters, proposal.coordinates) { values[parameter.name] = parameter.value(at: x) }
        let basis = budget.map { "\(proposal.basis), values at epoch \($0)" } ?? proposal.basis
        return (JobConfig(values), basis)
    }

    /// One epoch of a job's metrics.
    func observe(job: Int64, attempt: Int, epoch: Int, metrics: [String: Double]) {
        guard let indices = trialsOfJob[job], let raw = metrics[plan.objective.metric], raw.isFinite else { return }
        for t in indices {
            if trials[t].attempt != attempt {
                // A new attempt starts its curve again.
                trials[t].attempt = attempt
                trials[t].curve = EarlyStopping.Curve()
                trials[t].reported = false
                trials[t].rungLosses = Array(repeating: nil, count: rungs.count)
            }
            let score = plan.objective.score(raw)
            trials[t].curve.last = score
            trials[t].curve.best = max(trials[t].curve.best, score)
            if case .window(let n) = plan.objective.at { trials[t].curve.push(score, keeping: n) }
            trials[t].reported = true
            // Every rung at or below this epoch not yet recorded (epochs may skip one).
            for (r, rung) in rungs.enumerated() where rung <= epoch && trials[t].rungLosses[r] == nil {
                trials[t].rungLosses[r] = -currentScore(trials[t])
            }
        }
    }

    /// The job ended (or, `.running`, was put back to run again).
    func ended(job: Int64, as state: State) {
        for t in trialsOfJob[job] ?? [] { trials[t].state = state }
    }

    private func currentScore(_ trial: Trial) -> Double {
        switch plan.objective.at {
        case .last: trial.curve.last
        case .best: trial.curve.best
        case .window: trial.curve.sum / Double(max(trial.curve.window.count, 1))
        }
    }

    /// Tells the sampler what each trial stands for at the budget chosen; returns the rung
    /// epoch used, or nil for the trials' end.
    private func setOutcomes() -> Int? {
        let finished = trials.count { $0.state == .done && $0.reported }
        var rung: Int?
        if finished < plan.startup {
            rung = rungs.indices.reversed().first { r in trials.count { $0.rungLosses[r] != nil } >= plan.startup }
        }
        for (t, trial) in trials.enumerated() {
            let outcome: TPESampler.Outcome
            if let r = rung {
                if let loss = trial.rungLosses[r] {
                    outcome = .complete(loss)
                } else {
                    outcome = trial.state == .running ? .running : .excluded
                }
            } else {
                switch trial.state {
                case .done: outcome = trial.reported ? .complete(-currentScore(trial)) : .excluded
                case .running: outcome = .running
                case .failed, .stopped: outcome = .excluded
                }
            }
            sampler.record(t, outcome)
        }
        return rung.map { rungs[$0] }
    }
}
