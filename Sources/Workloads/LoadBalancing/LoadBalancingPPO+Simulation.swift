import SweepCore

extension LoadBalancingPPO {
    /// Runs the simulator alone for `steps` steps, the agent playing a fixed split of
    /// `action`, and returns its metrics and the baselines' (for benchmarks and probes), plus
    /// `observed_load_mean`, the mean first state feature (observing is part of a step).
    public static func simulate(_ config: JobConfig, steps: Int, action: Double) -> [String: Double] {
        var environment = LoadBalancingEnvironment(SimulatorSettings(config), seed: config.seed)
        let observation = UnsafeMutablePointer<Float>.allocate(capacity: TwoPathNetwork.featureCount)
        defer { observation.deallocate() }
        var checksum: Float = 0
        for _ in 0..<steps {
            environment.observe(into: observation)
            checksum += observation[0]
            _ = environment.step(action: action)
        }
        var metrics = environment.metrics
        metrics["observed_load_mean"] = Double(checksum) / Double(max(steps, 1))
        return metrics
    }
}
