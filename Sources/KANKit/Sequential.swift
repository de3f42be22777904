/// A chain of layers applied in order; backward runs them in reverse.
public final class Sequential: Layer {
    /// The layers, first applied first.
    public let layers: [any Layer]

    /// Creates a chain; it needs at least one layer.
    public init(_ layers: [any Layer]) {
        precondition(!layers.isEmpty, "Sequential needs at least one layer")
        self.layers = layers
    }

    /// All layers' parameters, in layer order.
    public var parameters: [Parameter] { layers.flatMap(\.parameters) }

    /// All layers' buffers, in layer order.
    public var buffers: [Parameter] { layers.flatMap(\.buffers) }

    /// Whether the first layer computes the gradient with respect to the chain's input.
    public var needsInputGradient: Bool {
        get { layers[0].needsInputGradient }
        set { layers[0].needsInputGradient = newValue }
    }

    /// Runs every layer in order.
    public func forward(_ input: Tensor) -> Tensor {
        var x = input
        for layer in layers { x = layer.forward(x) }
        return x
    }

    /// Runs every layer's backward in reverse order.
    public func backward(_ gradOutput: Tensor) -> Tensor {
        var g = gradOutput
        for layer in layers.reversed() { g = layer.backward(g) }
        return g
    }

    /// Sets the mode of every layer.
    public func setTraining(_ training: Bool) {
        for layer in layers { layer.setTraining(training) }
    }
}
