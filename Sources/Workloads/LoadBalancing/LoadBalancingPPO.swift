#if canImport(Glibc)
import Glibc
#endif
import KANKit
import SweepCore

/// The `lb-ppo` workload: PPO with a KAN (or MLP) actor balancing traffic between an MPLS
/// and an Internet path in a flow-level simulator, compared per update with static and
/// capacity-proportional splits, and for a KAN actor ending with its symbolic policy.
///
/// See WORKLOADS.md section 2. Metrics are reported once per PPO update (epoch = update
/// index, from 1).
public enum LoadBalancingPPO: Workload {
    /// The name specs use.
    public static let name = "lb-ppo"
    /// Bumped whenever results change.
    public static let version = 1
    /// One line for `sweep workloads`.
    public static let summary = "KAN-actor PPO load balancing over MPLS and Internet paths, with baselines and symbolic policy"

    /// Every parameter: simulator, PPO, networks and evaluation.
    public static let parameters: [ParamSpec] = SimulatorSettings.parameters + PPOSettings.parameters + [
        .choice("actor", "kan", ActorKind.allCases.map(\.rawValue), "Policy-mean network: KAN [10, 1] or MLP 10-w-w-1 tanh."),
        .choice("squash", "clamp", ActionSquash.allCases.map(\.rawValue),
                "Map of the Gaussian sample z to the split: (clamp(z,-1,1)+1)/2 or (tanh(z)+1)/2."),
        .int("kan.grid", 5, in: 1...100, "KAN actor grid intervals G."),
        .int("kan.order", 3, in: 0...5, "KAN actor spline order k."),
        .real("kan.range", 3, in: 0.1...100, "KAN grid covers [-range, range] of the normalised features."),
        .int("mlp.width", 64, in: 1...4096, "Hidden width of the MLP actor."),
        .int("critic.width", 64, in: 1...4096, "Hidden width of the critic 10-w-w-1 tanh."),
        .int("eval.episodes", 5, in: 1...10_000, "Episodes of the final comparison of KAN and symbolic policy."),
        .int("symbolic.samples", 256, in: 3...1_000_000, "Observations, spread over the last rollout, that the symbolic edge fits use."),
        .real("symbolic.threshold", 0, in: 0...1e6, "Edges with an importance score below this are dropped (0 keeps all)."),
    ]

    /// Cross-parameter checks (minibatch size, step budget, loss bounds).
    public static func problems(in config: JobConfig) -> [ConfigProblem] {
        PPOSettings.problems(in: config) + SimulatorSettings.problems(in: config)
    }

    /// Trains, reporting metrics per update, and returns the final figures (plus the
    /// symbolic policy and its evaluation for a KAN actor).
    public static func run(_ config: JobConfig, context: any JobContext) throws -> JSONValue {
        let simulator = SimulatorSettings(config)
        let settings = PPOSettings(config)
        var seeds = SeededGenerator(seed: config.seed)
        let kind = ActorKind(rawValue: config.string("actor"))!
        let actor = kind.makeNetwork(config, seed: seeds.next())
        let width = config.int("critic.width")
        let critic = Sequential.tanhMLP(widths: [TwoPathNetwork.featureCount, width, width, 1], seed: seeds.next())
        let trainer = PPOTrainer(settings: settings, simulator: simulator, actor: actor, critic: critic,
                                 squash: ActionSquash(rawValue: config.string("squash"))!, seed: seeds.next())
        context.log("lb-ppo: \(kind.rawValue) actor, \(settings.updates) updates of \(settings.rolloutSteps) steps")

        let clock = ContinuousClock(), start = clock.now
        var summary: [String: JSONValue] = [:]
        for update in 1...settings.updates where !context.shouldStop {
            let report = trainer.iterate()
            guard report.loss.total.isFinite else {
                throw JobFailure("lb-ppo diverged at update \(update): the PPO loss is \(report.loss.total)")
            }
            var metrics = report.environment
            metrics["policy_loss"] = report.loss.policy
            metrics["value_loss"] = report.loss.value
            metrics["entropy"] = report.loss.entropy
            metrics["approx_kl"] = report.loss.approximateKL
            metrics["clip_fraction"] = report.loss.clipFraction
            metrics["explained_variance"] = report.explainedVariance
            metrics["log_std"] = Double(trainer.logStd.value[0])
            metrics["learning_rate"] = report.learningRate
            metrics["steps"] = Double(update * settings.rolloutSteps)
            if update == settings.updates {
                // The final comparison rides on the last update, so report tables can show it.
                summary["train_seconds"] = .double((clock.now - start) / .seconds(1))
                let evaluation = try evaluate(trainer, config: config, simulator: simulator, seed: seeds.next(), context: context)
                metrics.merge(evaluation.metrics) { _, new in new }
                summary.merge(evaluation.summary) { _, new in new }
                summary["final"] = .object(metrics.mapValues { .double($0) })
            }
            context.report(epoch: update, metrics: metrics)
        }
        summary["updates"] = .int(settings.updates)
        summary["steps"] = .int(settings.updates * settings.rolloutSteps)
        return .object(summary)
    }

    /// Runs the trained greedy policy and, for a KAN actor, its symbolic policy on the same
    /// evaluation traffic. Metrics are named `eval.policy.*` (the trained actor),
    /// `eval.symbolic.*`, `eval.static.*` and `eval.proportional.*`, plus
    /// `eval.symbolic_split_gap` (mean |symbolic split - KAN split| on the KAN's trajectory); the summary holds the
    /// formula, its per-edge R^2 and the observation statistics the formula's inputs use.
    private static func evaluate(
        _ trainer: PPOTrainer, config: JobConfig, simulator: SimulatorSettings, seed: UInt64, context: any JobContext
    ) throws -> (metrics: [String: Double], summary: [String: JSONValue]) {
        let settings = trainer.settings
        let evaluation = PolicyEvaluation(
            simulator: simulator, statistics: settings.normalizeObservations ? trainer.observationStatistics : nil,
            clip: settings.normalizationClip, episodes: config.int("eval.episodes"), seed: seed)
        var metrics: [String: Double] = [:]
        func record(_ results: [String: Double], as policy: String) {
            for (name, value) in results {
                // The baselines' figures are the same in every run on this traffic: keep one copy.
                if name.hasPrefix("static.") || name.hasPrefix("proportional.") {
                    metrics["eval." + name] = value
                } else {
                    metrics["eval.\(policy).\(name)"] = value
                }
            }
        }
        var summary: [String: JSONValue] = [:]
        if settings.normalizeObservations {
            summary["observation_mean"] = .array(trainer.observationStatistics.mean.map { .double($0) })
            summary["observation_sd"] = .array(trainer.observationStatistics.variance.map { .double(($0 + 1e-8).squareRoot()) })
        }
        guard let kan = trainer.actor as? KAN else {
            record(evaluation.run { trainer.greedySplit($0) }, as: "policy")
            return (metrics, summary)
        }
        let samples = trainer.rolloutObservations(count: config.int("symbolic.samples"))
        let symbolic = try SymbolicPolicy(fitting: kan, on: samples, threshold: Float(config.double("symbolic.threshold")),
                                          squash: trainer.squash)
        summary["symbolic_policy"] = .string(symbolic.formula)
        summary["symbolic_r2"] = .array(symbolic.rSquared.map { $0.map(JSONValue.double) ?? .null })
        context.log("lb-ppo: symbolic policy \(symbolic.formula)")
        // On the KAN's own trajectory, how far the formula's split is from the KAN's.
        var gap = 0.0, visited = 0
        record(evaluation.run { observation in
            let split = trainer.greedySplit(observation)
            gap += abs(split - symbolic.split(observation))
            visited += 1
            return split
        }, as: "policy")
        metrics["eval.symbolic_split_gap"] = gap / Double(max(visited, 1))
        record(evaluation.run { symbolic.split($0) }, as: "symbolic")
        return (metrics, summary)
    }
}
