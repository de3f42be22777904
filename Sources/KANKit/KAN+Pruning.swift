extension KAN {
    /// Removes hidden nodes that matter little on `samples`, like pykan's `prune_node`.
    ///
    /// A hidden node survives when its largest incoming edge score and its largest outgoing
    /// edge score both exceed `threshold` (scores from `edgeScores(on:)`). Inputs and outputs
    /// are always kept. The returned network copies the surviving edges' parameters and grids,
    /// so it computes the same function minus the removed nodes' contributions.
    /// - Parameters:
    ///   - samples: `[n, widths[0]]`, `n >= 2`.
    ///   - threshold: pykan's default 1e-2.
    /// - Returns: the pruned network and, per level, the indices of the kept nodes.
    public func pruned(on samples: Tensor, threshold: Float = 1e-2) -> (network: KAN, keptNodes: [[Int]]) {
        let scores = edgeScores(on: samples)
        var kept: [[Int]] = [Array(0..<layers[0].inputs)]
        for level in 1..<layers.count {
            let incoming = layers[level - 1], outgoing = layers[level]
            kept.append((0..<incoming.outputs).filter { node in
                let bestIn = (0..<incoming.inputs).map { scores[level - 1][$0 * incoming.outputs + node] }.max() ?? 0
                let bestOut = (0..<outgoing.outputs).map { scores[level][node * outgoing.outputs + $0] }.max() ?? 0
                return bestIn > threshold && bestOut > threshold
            })
        }
        kept.append(Array(0..<layers[layers.count - 1].outputs))
        // A level with no surviving node would disconnect the network; keep its best node.
        for level in 1..<layers.count where kept[level].isEmpty {
            let layer = layers[level - 1]
            let best = (0..<layer.outputs).max { a, b in
                let sa = (0..<layer.inputs).map { scores[level - 1][$0 * layer.outputs + a] }.max() ?? 0
                let sb = (0..<layer.inputs).map { scores[level - 1][$0 * layer.outputs + b] }.max() ?? 0
                return sa < sb
            } ?? 0
            kept[level] = [best]
        }
        let newLayers = layers.enumerated().map { index, layer in
            layer.subLayer(inputs: kept[index], outputs: kept[index + 1])
        }
        return (KAN(layers: newLayers), kept)
    }
}

extension KANLayer {
    /// A layer holding only the edges between the given inputs and outputs (copied).
    func subLayer(inputs keptInputs: [Int], outputs keptOutputs: [Int]) -> KANLayer {
        var generator = SeededGenerator(seed: 0)  // overwritten below; only sizes matter
        let layer = KANLayer(inputs: keptInputs.count, outputs: keptOutputs.count, gridSize: gridSize, order: order,
                             bias: bias != nil, generator: &generator)
        if let bias, let kept = layer.bias {
            for (no, o) in keptOutputs.enumerated() { kept.value[no] = bias.value[o] }
        }
        let nb = basisCount, nk = knotCount
        for (ni, i) in keptInputs.enumerated() {
            for j in 0..<nk { layer.grid.value[ni * nk + j] = grid.value[i * nk + j] }
            for (no, o) in keptOutputs.enumerated() {
                layer.scaleBase.value[ni * layer.outputs + no] = scaleBase.value[i * outputs + o]
                layer.scaleSpline.value[ni * layer.outputs + no] = scaleSpline.value[i * outputs + o]
                for m in 0..<nb {
                    layer.coefficients.value[(ni * nb + m) * layer.outputs + no] = coefficients.value[(i * nb + m) * outputs + o]
                }
            }
        }
        layer.regularization = regularization
        return layer
    }
}
