extension KANLayer {
    /// Adapts each input's grid to the distribution of `samples` and refits the coefficients so
    /// the spline part of every edge is kept (pykan's `update_grid_from_samples`).
    ///
    /// The new interior knots blend sample percentiles with a uniform grid over the samples'
    /// range: `gridEpsilon · uniform + (1 - gridEpsilon) · percentiles`, then extend by `order`
    /// knots each side. The old spline is evaluated at the sorted samples and the new
    /// coefficients are its least-squares fit. Inputs whose samples are all equal keep their grid.
    /// Not a hot path: it allocates.
    /// - Parameters:
    ///   - samples: `[n, inputs]` with `n >= basisCount`.
    ///   - gridEpsilon: pykan's `grid_eps` (0 = pure percentiles, 1 = uniform); default 0.02.
    public func updateGrid(from samples: Tensor, gridEpsilon: Float = 0.02) {
        precondition(samples.featuresPerExample == inputs, "updateGrid expects [n, \(inputs)], got \(samples.shape)")
        let n = samples.batch, nb = basisCount, nk = knotCount
        precondition(n >= nb, "updateGrid needs at least \(nb) samples, got \(n)")
        var sorted = [Float](repeating: 0, count: n)
        var oldCurves = [Float](repeating: 0, count: outputs * n)
        var basis = [Float](repeating: 0, count: nb * n)
        var scratch = [Float](repeating: 0, count: BSpline.scratchCount(knotCount: nk, count: n))
        var knots = [Float](repeating: 0, count: nk)
        for i in 0..<inputs {
            for s in 0..<n { sorted[s] = samples.data[s * inputs + i] }
            sorted.sort()
            let (low, high) = (sorted[0], sorted[n - 1])
            guard high > low else { continue }
            let gridKnots = grid.value + i * nk
            evaluateSplines(input: i, at: sorted, knots: gridKnots, basis: &basis, scratch: &scratch, into: &oldCurves)
            let h = (high - low) / Float(gridSize)
            for j in 0...gridSize {
                let adaptive = sorted[j == gridSize ? n - 1 : (n * j) / gridSize]
                let uniform = low + Float(j) * h
                knots[order + j] = gridEpsilon * uniform + (1 - gridEpsilon) * adaptive
            }
            let step = (knots[order + gridSize] - knots[order]) / Float(gridSize)
            for j in 0..<order {
                knots[order - 1 - j] = knots[order - j] - step
                knots[order + gridSize + 1 + j] = knots[order + gridSize + j] + step
            }
            for j in 0..<nk { gridKnots[j] = knots[j] }
            sorted.withUnsafeBufferPointer { x in
                basis.withUnsafeMutableBufferPointer { b in
                    scratch.withUnsafeMutableBufferPointer { sc in
                        BSpline.evaluate(x: x.baseAddress!, count: n, knots: gridKnots, knotCount: nk, order: order,
                                         basis: b.baseAddress!, derivative: nil, scratch: sc.baseAddress!)
                    }
                }
            }
            let fitted = basis.withUnsafeBufferPointer { b in
                oldCurves.withUnsafeBufferPointer { y in
                    BSpline.fitCoefficients(basis: b.baseAddress!, basisCount: nb, count: n, targets: y.baseAddress!, curves: outputs)
                }
            }
            for e in 0..<(nb * outputs) { coefficients.value[i * nb * outputs + e] = Float(fitted[e]) }
        }
    }

    /// Writes `Σ_m c_m B_m(x_s)` of every edge leaving input `i` into `curves` `[outputs, n]`.
    private func evaluateSplines(
        input i: Int, at x: [Float], knots: UnsafePointer<Float>, basis: inout [Float], scratch: inout [Float], into curves: inout [Float]
    ) {
        let n = x.count, nb = basisCount
        x.withUnsafeBufferPointer { xp in
            basis.withUnsafeMutableBufferPointer { b in
                scratch.withUnsafeMutableBufferPointer { sc in
                    BSpline.evaluate(x: xp.baseAddress!, count: n, knots: knots, knotCount: knotCount, order: order,
                                     basis: b.baseAddress!, derivative: nil, scratch: sc.baseAddress!)
                }
            }
        }
        for o in 0..<outputs {
            for s in 0..<n {
                var sum: Float = 0
                for m in 0..<nb { sum += coefficients.value[(i * nb + m) * outputs + o] * basis[m * n + s] }
                curves[o * n + s] = sum
            }
        }
    }

    /// Per-edge importance `std(φ_io) / (std(x_i) + 0.1)` over `samples` (pykan's forward edge
    /// scale, the quantity the regulariser penalises).
    /// - Parameter samples: `[n, inputs]`, `n >= 2`.
    /// - Returns: `[inputs · outputs]`, index `i · outputs + o`.
    public func edgeScores(on samples: Tensor) -> [Float] {
        let (xs, activations) = edgeFunctionSamples(samples)
        return Self.edgeScores(inputs: xs, activations: activations, outputs: outputs)
    }

    /// The scores of `edgeScores(on:)` from already sampled edge functions.
    static func edgeScores(inputs xs: [[Float]], activations: [[Float]], outputs: Int) -> [Float] {
        (0..<activations.count).map { e in
            let x = xs[e / outputs], phi = activations[e]
            let (_, inputStd) = x.withUnsafeBufferPointer { centre($0.baseAddress!, count: $0.count, scratch: nil) }
            let (_, edgeStd) = phi.withUnsafeBufferPointer { centre($0.baseAddress!, count: $0.count, scratch: nil) }
            return edgeStd / (inputStd + 0.1)
        }
    }

    /// The activation `φ_io` of every edge at every sample, and the samples themselves.
    /// - Parameter samples: `[n, inputs]`, `n >= 2`.
    /// - Returns: `inputs` arrays of the `n` input values, and `inputs · outputs` arrays of the
    ///   `n` activations (index `i · outputs + o`).
    func edgeFunctionSamples(_ samples: Tensor) -> (inputs: [[Float]], activations: [[Float]]) {
        precondition(samples.batch >= 2, "sampling edge functions needs at least 2 samples")
        _ = forward(samples)
        let ws = workspace!, n = samples.batch
        let phi = UnsafeMutablePointer<Float>.allocate(capacity: inputs * outputs * n)
        defer { phi.deallocate() }
        edgeActivations(into: phi, ws)
        let xs = (0..<inputs).map { Array(UnsafeBufferPointer(start: ws.inputT + $0 * n, count: n)) }
        let acts = (0..<(inputs * outputs)).map { Array(UnsafeBufferPointer(start: phi + $0 * n, count: n)) }
        return (xs, acts)
    }
}
