import KANKit

/// The DDQN Q-network: a KAN [inputs, width, outputs] or an MLP inputs-width-ReLU-outputs.
///
/// Shapes: input `[batch, inputs]` states, output `[batch, outputs]` Q-values.
final class QNetwork {
    /// Which network and its sizes.
    enum Architecture: Equatable {
        /// KAN [inputs, width, outputs] with `grid` intervals of order `order` over `range`,
        /// with or without trainable output biases.
        case kan(width: Int, grid: Int, order: Int, range: ClosedRange<Float>, initialisation: KANInitialisation, bias: Bool)
        /// MLP inputs -> width -> ReLU -> outputs.
        case mlp(width: Int)
    }

    let architecture: Architecture
    /// The network.
    let network: any Layer
    /// The same network as a KAN, or `nil` for an MLP.
    let kan: KAN?

    init(_ architecture: Architecture, inputs: Int, outputs: Int, generator: inout SeededGenerator) {
        self.architecture = architecture
        switch architecture {
        case .kan(let width, let grid, let order, let range, let initialisation, let bias):
            let kan = KAN(widths: [inputs, width, outputs], grid: grid, order: order, range: range, initialisation: initialisation,
                          bias: bias, seed: generator.next())
            self.kan = kan
            network = kan
        case .mlp(let width):
            kan = nil
            network = Sequential.mlp(widths: [inputs, width, outputs], seed: generator.next())
        }
        // States come from the replay buffer and carry no gradient.
        network.needsInputGradient = false
    }

    var isKAN: Bool { kan != nil }

    var parameters: [Parameter] { network.parameters }

    /// Q-values of a batch without the regulariser.
    func forward(_ states: Tensor) -> Tensor {
        forward(states, regularization: nil)
    }

    /// Q-values of a batch; for a KAN, `regularization` makes this pass evaluate pykan's
    /// regulariser and the following `backward` add its weighted gradient.
    func forward(_ states: Tensor, regularization: KANRegularization?) -> Tensor {
        kan?.regularization = regularization
        return network.forward(states)
    }

    /// Whether `backward` returns dL/d(states) (for `fsnet.q_gradient`); off by default,
    /// since replayed states usually carry no gradient.
    var needsStateGradient: Bool {
        get { network.needsInputGradient }
        set { network.needsInputGradient = newValue }
    }

    /// Back-propagates dL/dQ into the parameter gradients (accumulating); returns dL/d(states),
    /// meaningful only with `needsStateGradient`.
    @discardableResult
    func backward(_ gradient: Tensor) -> Tensor {
        network.backward(gradient)
    }

    /// `weight × R` of the last regularised forward (0 for an MLP or without regulariser).
    var regularizationLoss: Float {
        guard let kan, let settings = kan.regularization else { return 0 }
        return settings.weight * kan.regularizationLoss
    }

    /// Copies all values and grids from a network of the same architecture.
    func copyParameters(from other: QNetwork) {
        network.copyParameters(from: other.network)
    }

    /// Refits the KAN grids to the activations `states` produce, keeping the functions;
    /// `gridEpsilon` mixes uniform (1) and percentile (0) knots.
    func updateGrid(from states: Tensor, gridEpsilon: Float) {
        guard let kan else { return }
        kan.regularization = nil
        kan.updateGrid(from: states, gridEpsilon: gridEpsilon)
    }
}
