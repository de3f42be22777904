import KANKit
import SweepCore
import Testing
@testable import Workloads

/// PPO must actually learn: on a small configuration and a fixed budget, the trained
/// greedy policy beats the static split and the same actor before training, on the same
/// evaluation traffic.
@Suite(.serialized) struct LoadBalancingLearningTests {
    static let small: [String: JSONValue] = [
        "episode_steps": 128, "ppo.rollout_steps": 512, "ppo.minibatches": 4, "ppo.update_epochs": 4,
        "critic.width": 16, "total_steps": 8192, "eval.episodes": 4, "symbolic.samples": 12,
    ]

    func returns(actor kind: ActorKind, seed: UInt64) -> (trained: Double, untrained: Double, staticSplit: Double) {
        let config = loadBalancingConfig(Self.small.merging(["actor": .string(kind.rawValue)]) { _, new in new })
        let simulator = SimulatorSettings(config), settings = PPOSettings(config)
        let actor = kind.makeNetwork(config, seed: seed), untrained = kind.makeNetwork(config, seed: seed)
        let trainer = PPOTrainer(settings: settings, simulator: simulator, actor: actor,
                                 critic: Sequential.tanhMLP(widths: [10, 16, 16, 1], seed: seed + 1), squash: .clamp, seed: seed + 2)
        for _ in 0..<settings.updates { _ = trainer.iterate() }
        let evaluation = PolicyEvaluation(simulator: simulator, statistics: trainer.observationStatistics,
                                          clip: settings.normalizationClip, episodes: 4, seed: 99)
        let trained = evaluation.run { trainer.greedySplit($0) }
        let before = evaluation.run { ActionSquash.clamp.split(Double(untrained.forward($0)[0])) }
        return (trained["episode_return"]!, before["episode_return"]!, trained["static.episode_return"]!)
    }

    @Test(arguments: [ActorKind.kan, .mlp])
    func trainedPolicyBeatsStaticSplitAndItsUntrainedSelf(actor: ActorKind) {
        let result = returns(actor: actor, seed: 5)
        // Seen: KAN about +5 over both (seeds 5, 100, 200), MLP +11 to +14; 2 leaves room
        // for other CPUs' rounding while still failing when learning stalls.
        #expect(result.trained > result.staticSplit + 2, "\(result)")
        #expect(result.trained > result.untrained + 2, "\(result)")
    }
}
