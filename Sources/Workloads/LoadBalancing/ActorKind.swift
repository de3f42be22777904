import KANKit
import SweepCore

/// Which network gives the policy mean.
enum ActorKind: String, Sendable, CaseIterable {
    /// KAN [10, 1]: one learnable univariate function per state feature, summed; initialised
    /// near zero.
    case kan
    /// MLP 10-w-w-1 with tanh, last layer scaled down as in CleanRL (std 0.01).
    case mlp

    /// A freshly initialised actor `[batch, 10] -> [batch, 1]` for `config`.
    func makeNetwork(_ config: JobConfig, seed: UInt64) -> any Layer {
        let features = TwoPathNetwork.featureCount
        switch self {
        case .kan:
            let range = Float(config.double("kan.range"))
            var generator = SeededGenerator(seed: seed)
            // Near-zero edges start every state at the middle split, as CleanRL's actor
            // head (std 0.01) does; the spline scales stay 1/sqrt(10) so splines learn at once.
            let layer = KANLayer(inputs: features, outputs: 1, gridSize: config.int("kan.grid"), order: config.int("kan.order"),
                                 range: -range...range, noiseScale: 0.01, generator: &generator)
            for i in 0..<layer.scaleBase.count { layer.scaleBase.value[i] *= 0.01 }
            return KAN(layers: [layer])
        case .mlp:
            let width = config.int("mlp.width")
            let network = Sequential.tanhMLP(widths: [features, width, width, 1], seed: seed)
            // A near-zero output layer starts every state at the same, middle split.
            let output = network.layers.last as! Linear
            for i in 0..<output.weight.count { output.weight.value[i] *= 0.01 }
            output.bias.value[0] = 0
            return network
        }
    }
}
