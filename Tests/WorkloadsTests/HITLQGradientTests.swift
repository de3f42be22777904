import KANKit
import SweepCore
import Testing
import Workloads

/// `fsnet.q_gradient`: the Q-loss reaching FSNet's conv stack through s = F(x) · a.
@Suite struct HITLQGradientTests {
    /// L = Σ w ⊙ Q(F(x) · a): the analytic gradient of every conv-stack parameter
    /// (`selectedFeatures`, the Q-network's input gradient, `backwardSelected`) against
    /// central finite differences.
    @Test(arguments: ["kan", "mlp"])
    func convStackGradientThroughTheSelectedFeatures(model: String) {
        var generator = SeededGenerator(seed: 41)
        let fsnet = FeatureSelectionNetwork(convLayers: 1, filters: 2, hidden: 16, dropout: 0.25, generator: &generator)
        let q: any Layer = model == "kan"
            ? KAN(widths: [64, 4, 3], grid: 3, order: 3, seed: 42)
            : Sequential.mlp(widths: [64, 8, 3], activation: .silu, seed: 42)  // silu: no ReLU kink inside a finite-difference step
        let batch = 3
        let images = Tensor(shape: [batch, 1, 8, 8]), mask = Tensor(shape: [batch, 64]), states = Tensor(shape: [batch, 64])
        for i in 0..<images.count { images[i] = generator.uniform(-1, 1) }
        for i in 0..<mask.count { mask[i] = generator.uniform(0, 1) }
        let weights = Tensor(shape: [batch, 3])
        for i in 0..<weights.count { weights[i] = generator.uniform(-1, 1) }
        func loss() -> Double {
            fsnet.selectedFeatures(images, mask: mask.data, into: states)
            let out = q.forward(states)
            var total = 0.0
            for i in 0..<out.count { total += Double(out[i]) * Double(weights[i]) }
            return total
        }
        _ = loss()
        for parameter in fsnet.parameters + q.parameters { parameter.zeroGradient() }
        fsnet.backwardSelected(stateGradient: q.backward(weights), mask: mask.data)
        var worst = 0.0, checked = 0, nonZero = 0, location = ""
        // 2e-4: a step of 1e-3 moves some ReLU / max-pool inputs across their kink.
        let step: Float = 2e-4
        for parameter in fsnet.trunk.parameters {
            let analytic = parameter.gradients
            for i in 0..<parameter.count {
                let saved = parameter.value[i]
                parameter.value[i] = saved + step
                let plus = loss()
                parameter.value[i] = saved - step
                let minus = loss()
                parameter.value[i] = saved
                let numeric = (plus - minus) / (2 * Double(step))
                let error = abs(Double(analytic[i]) - numeric) / max(abs(Double(analytic[i])), abs(numeric), 5e-2)
                if error > worst { (worst, location) = (error, "\(parameter.name)[\(i)] analytic \(analytic[i]) numeric \(numeric)") }
                checked += 1
                if analytic[i] != 0 { nonZero += 1 }
            }
        }
        #expect(checked == 4 * 9 + 4)
        #expect(nonZero > checked / 2, "the Q-loss must reach the conv stack")
        #expect(worst < 3e-2, "worst relative error \(worst) at \(location)")
        // The head gets no Q-loss gradient: q reaches s only through the sampled mask.
        #expect(fsnet.head.parameters.allSatisfy { $0.gradients.allSatisfy { $0 == 0 } })
    }

    /// The per-epoch metrics (without `epoch_s`) of a small run: `base`, then `overrides`.
    static func metrics(_ base: [String: JSONValue], _ overrides: [String: JSONValue]) throws -> [[String: Double]] {
        let context = RecordingContext()
        _ = try HITLDDQN.run(hitlConfig(base.merging(overrides) { $1 }), context: context)
        return context.reports.map { $0.metrics.filter { $0.key != "epoch_s" } }
    }

    @Test func trainsDeterministicallyAndDiffersFromTheFeedbackOnlyRun() throws {
        func run(_ overrides: [String: JSONValue]) throws -> [[String: Double]] {
            try Self.metrics(["train_limit": 600, "test_limit": 200, "epochs": 2, "warmup": 1, "buffer": 300], overrides)
        }
        for model in ["kan", "mlp"] {
            let on = try run(["fsnet.q_gradient": true, "model": .string(model)])
            #expect(on == (try run(["fsnet.q_gradient": true, "model": .string(model)])))
            #expect(on != (try run(["model": .string(model)])), "\(model)")
            #expect(on.allSatisfy { $0.values.allSatisfy(\.isFinite) })
        }
    }

    /// The other readings of the paper each change the run and still train.
    @Test(arguments: [
        ["fsnet.head": "relu-sigmoid"], ["fsnet.mask_from": "logits"], ["kan.init": "pykan-0.0"],
        ["kan.grid_eps": 1.0], ["kan.bias": true], ["q_target": "max"],
    ] as [[String: JSONValue]])
    func readingsChangeTheRun(overrides: [String: JSONValue]) throws {
        func run(_ overrides: [String: JSONValue]) throws -> [[String: Double]] {
            // 4 epochs, so that grids are refitted (at epoch 1, while epoch < epochs / 2).
            try Self.metrics(["train_limit": 300, "test_limit": 100, "epochs": 4, "warmup": 1, "kan.grid_update_every": 1], overrides)
        }
        let changed = try run(overrides)
        #expect(changed != (try run([:])))
        #expect(changed.allSatisfy { $0.values.allSatisfy(\.isFinite) })
    }

    @Test func readingsAreCheckedAgainstTheRestOfTheConfig() {
        let logits = HITLDDQN.problems(in: hitlConfig(["fsnet.mask_from": "logits", "distribution": "bernoulli"]))
        #expect(logits.map(\.param) == ["fsnet.mask_from"])
        #expect(logits.first?.message.contains("beta") == true)
        #expect(HITLDDQN.problems(in: hitlConfig(["fsnet.mask_from": "logits"])).isEmpty)
        let noFSNet = HITLDDQN.problems(in: hitlConfig(["fsnet.q_gradient": true, "feature_selection": false]))
        #expect(noFSNet.map(\.param) == ["fsnet.q_gradient"])
    }

    /// Parameters added later stay out of a resolved config at their default, so the keys
    /// of every job planned before them are unchanged; any other value is kept.
    @Test func lateParametersLeaveTheConfigAtTheirDefault() throws {
        let atDefaults = hitlConfig(["fsnet.q_gradient": false, "kan.grid_eps": 0.02, "kan.init": "pykan", "kan.bias": false, "q_target": "double"])
        let changed = hitlConfig(["fsnet.q_gradient": true, "fsnet.head": "relu-sigmoid", "kan.grid_eps": 1.0, "q_target": "max"])
        let resolved = try HITLDDQN.resolve([atDefaults, changed], specFolder: "/")
        for name in ["fsnet.q_gradient", "fsnet.head", "fsnet.mask_from", "kan.init", "kan.grid_eps", "kan.bias", "q_target"] {
            #expect(resolved[0][name] == nil, "\(name)")
        }
        #expect(resolved[0]["kan.grid"] == 3)
        #expect(resolved[1]["fsnet.q_gradient"] == true)
        #expect(resolved[1]["fsnet.head"] == "relu-sigmoid")
        #expect(resolved[1]["kan.grid_eps"] == 1.0)
        #expect(resolved[1]["q_target"] == "max")
        #expect(resolved[1]["kan.init"] == nil)
    }
}
