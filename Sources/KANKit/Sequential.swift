/// A chain of layers applied in order; backward runs them in reverse.
public final class Sequential: LayerChain {
    /// The layers, first applied first.
    public let layers: [any Layer]

    /// Creates a chain; it needs at least one layer.
    public init(_ layers: [any Layer]) {
        precondition(!layers.isEmpty, "Sequential needs at least one layer")
        self.layers = layers
    }

    /// The layers, as the chain walks them.
    public var chain: [any Layer] { layers }
}
