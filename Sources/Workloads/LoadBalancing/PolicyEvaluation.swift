import KANKit

/// Runs a fixed deterministic policy in the simulator, with observations normalised by
/// frozen statistics, so several policies can be compared on identical traffic.
struct PolicyEvaluation {
    let simulator: SimulatorSettings
    /// The training run's observation statistics (or `nil` when it did not normalise).
    let statistics: RunningMeanVariance?
    let clip: Double
    let episodes: Int
    let seed: UInt64

    /// The metrics (agent and baselines, see `LoadBalancingEnvironment.metrics`) of
    /// `episodes` episodes where `split` maps a normalised observation `[1, 10]` to the
    /// fraction of new flows on MPLS.
    func run(_ split: (Tensor) -> Double) -> [String: Double] {
        var environment = LoadBalancingEnvironment(simulator, seed: seed)
        let raw = UnsafeMutablePointer<Float>.allocate(capacity: TwoPathNetwork.featureCount)
        defer { raw.deallocate() }
        let observation = Tensor(shape: [1, TwoPathNetwork.featureCount])
        for _ in 0..<(episodes * simulator.episodeSteps) {
            environment.observe(into: raw)
            if let statistics {
                statistics.normalize(raw, into: observation.data, clip: clip)
            } else {
                observation.data.update(from: raw, count: TwoPathNetwork.featureCount)
            }
            _ = environment.step(action: split(observation))
        }
        return environment.metrics
    }
}
