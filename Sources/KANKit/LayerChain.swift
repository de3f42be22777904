/// Layers applied one after another, backward in reverse: the plumbing `Sequential` and
/// `KAN` share.
public protocol LayerChain: Layer {
    /// The layers, first applied first; never empty.
    var chain: [any Layer] { get }
}

extension LayerChain {
    /// All layers' parameters, in layer order.
    public var parameters: [Parameter] { chain.flatMap(\.parameters) }

    /// All layers' buffers, in layer order.
    public var buffers: [Parameter] { chain.flatMap(\.buffers) }

    /// Whether the first layer computes the gradient with respect to the chain's input.
    public var needsInputGradient: Bool {
        get { chain[0].needsInputGradient }
        set { chain[0].needsInputGradient = newValue }
    }

    /// Runs every layer in order.
    public func forward(_ input: Tensor) -> Tensor {
        var x = input
        for layer in chain { x = layer.forward(x) }
        return x
    }

    /// Runs every layer's backward in reverse order.
    public func backward(_ gradOutput: Tensor) -> Tensor {
        var g = gradOutput
        for layer in chain.reversed() { g = layer.backward(g) }
        return g
    }

    /// Sets every layer's mode (for a KAN, evaluation mode also skips the regulariser).
    public func setTraining(_ training: Bool) {
        for layer in chain { layer.setTraining(training) }
    }
}
