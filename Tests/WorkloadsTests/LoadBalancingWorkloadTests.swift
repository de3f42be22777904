import SweepCore
import Testing
@testable import Workloads

@Suite struct LoadBalancingWorkloadTests {
    @Test func parametersAreUniqueAndDefaultsValid() {
        var names = Set<String>()
        for parameter in LoadBalancingPPO.parameters {
            #expect(names.insert(parameter.name).inserted, "duplicate \(parameter.name)")
            #expect(parameter.coerce(parameter.defaultValue) != nil, "default of \(parameter.name)")
            #expect(!parameter.doc.isEmpty)
        }
        #expect(!names.contains("seed"))
        #expect(LoadBalancingPPO.problems(in: loadBalancingConfig()).isEmpty)
    }

    @Test func problemsNameTheParameter() {
        let bad = loadBalancingConfig(["ppo.minibatches": 3, "internet.loss_min": 0.2, "internet.loss_max": 0.1,
                                       "total_steps": 100])
        let params = Set(LoadBalancingPPO.problems(in: bad).map(\.param))
        #expect(params == ["ppo.minibatches", "internet.loss_max", "total_steps"])
    }

    @Test func runReportsEveryUpdateAndEndsWithTheSymbolicPolicy() throws {
        let config = loadBalancingConfig([
            "episode_steps": 32, "ppo.rollout_steps": 64, "ppo.minibatches": 2, "ppo.update_epochs": 1,
            "critic.width": 8, "total_steps": 192, "eval.episodes": 1, "symbolic.samples": 8, "reward": "loss",
        ])
        let context = RecordingContext()
        let summary = try LoadBalancingPPO.run(config, context: context)
        #expect(context.reports.map(\.epoch) == [1, 2, 3])
        for name in ["episode_return", "throughput_utility", "loss_rate", "mean_delay_ms", "action_mean",
                     "static.episode_return", "static.loss_rate", "proportional.episode_return", "proportional.mean_delay_ms",
                     "policy_loss", "value_loss", "log_std"] {
            #expect(context.reports.allSatisfy { $0.metrics[name]?.isFinite == true }, "\(name)")
        }
        let last = context.reports.last!.metrics
        for name in ["eval.policy.episode_return", "eval.symbolic.episode_return", "eval.static.episode_return",
                     "eval.proportional.loss_rate", "eval.symbolic_split_gap"] {
            #expect(last[name]?.isFinite == true, "\(name)")
        }
        let formula = try #require(summary["symbolic_policy"]?.stringValue)
        #expect(try SymbolicExpression(parsing: formula).variableCount <= 10)
        #expect(summary["symbolic_r2"]?.arrayValue?.count == 10)
        #expect(summary["steps"] == .int(192))
    }

    @Test func sameSeedSameMetrics() throws {
        let config = loadBalancingConfig([
            "episode_steps": 32, "ppo.rollout_steps": 64, "ppo.minibatches": 2, "ppo.update_epochs": 1,
            "critic.width": 8, "total_steps": 128, "actor": "mlp",
        ], seed: 3)
        let first = RecordingContext(), second = RecordingContext()
        _ = try LoadBalancingPPO.run(config, context: first)
        _ = try LoadBalancingPPO.run(config, context: second)
        #expect(first.reports.map(\.metrics) == second.reports.map(\.metrics))
    }
}
