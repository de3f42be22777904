import KANKit

extension Sequential {
    /// A perceptron with `RationalTanh` between its `Linear` layers (KANKit's `mlp` with
    /// a faster tanh); weights initialised like PyTorch's `nn.Linear`.
    /// - Parameter widths: layer sizes including input and output, e.g. `[10, 64, 64, 1]`.
    static func tanhMLP(widths: [Int], seed: UInt64) -> Sequential {
        var generator = SeededGenerator(seed: seed)
        var layers: [any Layer] = []
        for l in 0..<(widths.count - 1) {
            layers.append(Linear(inputs: widths[l], outputs: widths[l + 1], generator: &generator))
            if l < widths.count - 2 { layers.append(RationalTanh()) }
        }
        return Sequential(layers)
    }
}
