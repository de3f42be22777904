extension Sequential {
    /// Builds a multilayer perceptron: `Linear` layers between consecutive `widths`, with
    /// `activation` after every layer but the last.
    /// - Parameters:
    ///   - widths: layer sizes including input and output, e.g. `[64, 32, 10]`.
    ///   - activation: the hidden nonlinearity.
    ///   - seed: seeds the weight initialisation.
    public static func mlp(widths: [Int], activation: Activation.Function = .relu, seed: UInt64) -> Sequential {
        precondition(widths.count >= 2, "mlp needs at least input and output widths, got \(widths)")
        var generator = SeededGenerator(seed: seed)
        var layers: [any Layer] = []
        for l in 0..<(widths.count - 1) {
            layers.append(Linear(inputs: widths[l], outputs: widths[l + 1], generator: &generator))
            if l < widths.count - 2 { layers.append(Activation(activation)) }
        }
        return Sequential(layers)
    }
}
