/// A Kolmogorov-Arnold network: a chain of `KANLayer`s built from a width list.
///
/// Shapes: input `[batch, widths.first]`, output `[batch, widths.last]`. Set
/// `regularization` to have every forward pass evaluate pykan's regulariser
/// (`regularizationLoss`) and every backward pass add `weight ×` its gradient.
public final class KAN: LayerChain {
    /// The layers, input side first.
    public let layers: [KANLayer]
    /// `layers` as `Layer`s, for the chain's forward and backward.
    public let chain: [any Layer]

    /// Builds a network like pykan's `KAN(width=widths, grid=grid, k=order)`.
    /// - Parameters:
    ///   - widths: node counts per level including input and output, e.g. `[64, 8, 10]`.
    ///   - grid: G, grid intervals per edge.
    ///   - order: k, the spline order.
    ///   - range: the initial grid range of every input.
    ///   - initialisation: which pykan generation's initial scales and noise.
    ///   - bias: a trainable bias on every layer's outputs (pykan 0.0.x), initially 0.
    ///   - seed: seeds the initialisation.
    public convenience init(
        widths: [Int], grid: Int = 3, order: Int = 3, range: ClosedRange<Float> = -1...1,
        initialisation: KANInitialisation = .pykan, bias: Bool = false, seed: UInt64
    ) {
        precondition(widths.count >= 2, "KAN needs at least input and output widths, got \(widths)")
        var generator = SeededGenerator(seed: seed)
        var layers: [KANLayer] = []
        for l in 0..<(widths.count - 1) {
            layers.append(KANLayer(inputs: widths[l], outputs: widths[l + 1], gridSize: grid, order: order, range: range,
                                   noiseScale: initialisation.noiseScale, initialisation: initialisation, bias: bias,
                                   generator: &generator))
        }
        self.init(layers: layers)
    }

    /// Wraps existing layers; consecutive layers must agree on their widths.
    public init(layers: [KANLayer]) {
        precondition(!layers.isEmpty, "KAN needs at least one layer")
        for (a, b) in zip(layers, layers.dropFirst()) {
            precondition(a.outputs == b.inputs, "KAN layer widths do not chain: \(a.outputs) outputs into \(b.inputs) inputs")
        }
        self.layers = layers
        chain = layers
    }

    /// The node counts per level, e.g. `[64, 8, 10]`.
    public var widths: [Int] { [layers[0].inputs] + layers.map(\.outputs) }

    /// The regulariser settings applied to every layer (nil disables it).
    public var regularization: KANRegularization? {
        get { layers[0].regularization }
        set { for layer in layers { layer.regularization = newValue } }
    }

    /// The unweighted regulariser value of the last forward pass, summed over layers; the
    /// training loss is `data loss + regularization.weight × regularizationLoss`.
    public var regularizationLoss: Float { layers.reduce(0) { $0 + $1.regularizationLoss } }

    /// Updates every layer's grid from `samples` `[n, widths[0]]`, layer by layer on the
    /// activations of the already-updated layers before it (pykan's `update_grid_from_samples`).
    public func updateGrid(from samples: Tensor, gridEpsilon: Float = 0.02) {
        var x = samples
        for layer in layers {
            layer.updateGrid(from: x, gridEpsilon: gridEpsilon)
            x = layer.forward(x)
        }
    }

    /// Per-layer edge importance scores on `samples` (see `KANLayer.edgeScores(on:)`).
    public func edgeScores(on samples: Tensor) -> [[Float]] {
        var x = samples, scores: [[Float]] = []
        for layer in layers {
            scores.append(layer.edgeScores(on: x))
            x = layer.forward(x)
        }
        return scores
    }
}
