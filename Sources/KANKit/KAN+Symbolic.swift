extension KAN {
    /// Fits every edge of the network with `SymbolicFit.best` on the activations produced by
    /// `samples`, dropping edges whose importance score is below `threshold` (pykan prunes
    /// those to zero too). Call `pruned(on:)` first to keep formulas short.
    /// - Parameters:
    ///   - samples: `[n, widths[0]]` representative inputs, `n >= 3`.
    ///   - threshold: the edge score below which an edge is dropped.
    ///   - candidates: the primitives to try.
    public func symbolic(
        on samples: Tensor, threshold: Float = 1e-2, candidates: [SymbolicFunction] = SymbolicFunction.allCases
    ) -> SymbolicKAN {
        precondition(samples.batch >= 3, "symbolic fitting needs at least 3 samples")
        var x = samples, edges: [[SymbolicFit?]] = []
        for layer in layers {
            let (inputs, activations) = layer.edgeFunctionSamples(x)
            let scores = KANLayer.edgeScores(inputs: inputs, activations: activations, outputs: layer.outputs)
            edges.append((0..<(layer.inputs * layer.outputs)).map { e in
                guard scores[e] >= threshold else { return nil }
                let xs = inputs[e / layer.outputs].map(Double.init), ys = activations[e].map(Double.init)
                return SymbolicFit.best(x: xs, y: ys, candidates: candidates)
            })
            x = layer.forward(x)
        }
        let biases = layers.map { layer in (0..<layer.outputs).map { o in layer.bias.map { Double($0.value[o]) } ?? 0 } }
        return SymbolicKAN(widths: widths, edges: edges, biases: biases)
    }

    /// The network as one formula string per output (see `symbolic(on:threshold:candidates:)`).
    public func symbolicFormula(on samples: Tensor, threshold: Float = 1e-2, inputNames: [String]? = nil) -> [String] {
        symbolic(on: samples, threshold: threshold).formulas(inputNames: inputNames)
    }
}
