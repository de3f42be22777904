import SweepCore
import Testing
@testable import Workloads

/// The default config of the workload, with `overrides` applied.
func loadBalancingConfig(_ overrides: [String: JSONValue] = [:], seed: Int = 1) -> JobConfig {
    var values: [String: JSONValue] = ["seed": .int(seed)]
    for parameter in LoadBalancingPPO.parameters { values[parameter.name] = parameter.defaultValue }
    for (name, value) in overrides {
        precondition(values[name] != nil, "unknown parameter \(name)")
        values[name] = value
    }
    return JobConfig(values)
}

@Suite struct LoadBalancingSimulatorTests {
    let settings = SimulatorSettings(loadBalancingConfig())

    @Test func deliveredPlusLostIsOfferedOnEachPath() {
        var environment = LoadBalancingEnvironment(settings, seed: 7)
        var traffic = TrafficProcess(traffic: settings.traffic, internet: settings.internet, seed: 7)
        var network = TwoPathNetwork(mpls: settings.mpls, internet: settings.internet, turnover: 0.5, initialShare: 0.5)
        var sawOverflow = false, sawRandomLoss = false
        for step in 0..<2000 {
            let action = Double(step % 11) / 10
            let outcome = network.step(action: action, sample: traffic.next())
            for path in [outcome.mpls, outcome.internet] {
                #expect(abs(path.delivered + path.lost - path.offered) <= 1e-9 * max(1, path.offered))
                #expect(path.delivered >= 0 && path.lost >= 0)
            }
            sawOverflow = sawOverflow || outcome.mpls.utilisation > 1
            sawRandomLoss = sawRandomLoss || (outcome.internet.utilisation < 1 && outcome.internet.lost > 0)
            _ = environment.step(action: action)
        }
        #expect(sawOverflow && sawRandomLoss, "the trace should exercise both kinds of loss")
    }

    @Test func delayAndLossRiseWithUtilisation() {
        let path = settings.internet
        var previous = path.carry(load: 0, randomLossFraction: 0.05, extraDelay: 0)
        for step in 1...300 {
            let outcome = path.carry(load: Double(step) * path.capacity / 150, randomLossFraction: 0.05, extraDelay: 0)
            #expect(outcome.delay >= previous.delay)
            #expect(outcome.lossRate >= previous.lossRate - 1e-12)
            previous = outcome
        }
        let light = path.carry(load: 0.2 * path.capacity, randomLossFraction: 0.05, extraDelay: 0)
        let heavy = path.carry(load: 0.95 * path.capacity, randomLossFraction: 0.05, extraDelay: 0)
        let overloaded = path.carry(load: 1.5 * path.capacity, randomLossFraction: 0.05, extraDelay: 0)
        #expect(heavy.delay > light.delay)
        #expect(overloaded.lossRate > heavy.lossRate)
        #expect(overloaded.delay == path.propagationDelay + path.maxQueueingDelay)
    }

    @Test func sameSeedSameTraceDifferentSeedDifferentTrace() {
        func trace(seed: UInt64) -> [Float] {
            var environment = LoadBalancingEnvironment(settings, seed: seed)
            var features = [Float](repeating: 0, count: TwoPathNetwork.featureCount)
            var trace: [Float] = []
            for step in 0..<500 {
                _ = environment.step(action: Double(step % 3) / 2)
                features.withUnsafeMutableBufferPointer { environment.observe(into: $0.baseAddress!) }
                trace += features
            }
            return trace
        }
        #expect(trace(seed: 3) == trace(seed: 3))
        #expect(trace(seed: 3) != trace(seed: 4))
    }

    @Test func baselinesSeeTheAgentsTraffic() {
        // An agent that always plays the static split must score exactly like the static baseline.
        var environment = LoadBalancingEnvironment(settings, seed: 11)
        for _ in 0..<(3 * settings.episodeSteps) { _ = environment.step(action: settings.staticShare) }
        let metrics = environment.metrics
        for name in ["episode_return", "throughput_utility", "loss_rate", "mean_delay_ms"] {
            #expect(metrics[name] == metrics["static." + name], "\(name)")
        }
        #expect(metrics["episode_return"] != metrics["proportional.episode_return"])
    }

    @Test func observationHasTenFiniteFeatures() {
        var environment = LoadBalancingEnvironment(settings, seed: 5)
        var features = [Float](repeating: .nan, count: TwoPathNetwork.featureCount)
        // Within one episode: a reset sets the previous action back to the static split.
        for _ in 0..<(settings.episodeSteps - 1) {
            _ = environment.step(action: 0.9)
            features.withUnsafeMutableBufferPointer { environment.observe(into: $0.baseAddress!) }
            #expect(features.allSatisfy { $0.isFinite })
            #expect(features[8] == 0.9 && features[9] >= 0 && features[9] < 1)
        }
    }
}
