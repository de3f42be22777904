/// A Kolmogorov-Arnold layer as in pykan: every edge `(i, o)` carries its own learnable
/// activation `φ(x) = w_b·silu(x) + w_s·Σ_m c_m B_m(x)` and output `o` sums its edges.
///
/// Shapes: input `[batch, inputs]`, output `[batch, outputs]`. Parameters: `coefficients`
/// `[inputs·basisCount, outputs]` (row `i·basisCount + m` holds `c_m` of every edge leaving
/// input `i`), `scaleBase` and `scaleSpline` `[inputs, outputs]`, and optionally `bias`
/// `[outputs]` added to every output (pykan 0.0.x's trainable `biases`, initially 0). The
/// buffer `grid` `[inputs, gridSize + 2·order + 1]` holds each input's knots (uniform over
/// `range`, extended by `order` knots each side, until `updateGrid(from:)`).
///
/// The forward pass is two products, `Y = Bᵀ·(c ⊙ w_s) + silu(X)·w_b`, over a feature-major
/// basis matrix `B` `[inputs·basisCount, batch]`; backward accumulates into all gradients.
/// With `regularization` set, forward also evaluates pykan's regulariser on the batch and
/// backward adds `weight × its gradient` (including the part flowing to the input).
public final class KANLayer: Layer {
    /// The number of inputs.
    public let inputs: Int
    /// The number of outputs.
    public let outputs: Int
    /// G, the number of grid intervals.
    public let gridSize: Int
    /// k, the spline order (3 = cubic).
    public let order: Int
    /// Spline coefficients `[inputs·basisCount, outputs]`.
    public let coefficients: Parameter
    /// Per-edge weight of the `silu` base branch `[inputs, outputs]`.
    public let scaleBase: Parameter
    /// Per-edge weight of the spline branch `[inputs, outputs]`.
    public let scaleSpline: Parameter
    /// Per-input knots `[inputs, knotCount]` (state, not trained).
    public let grid: Parameter
    /// A trainable bias per output `[outputs]`, or nil (pykan >= 0.2's default: none trained).
    public let bias: Parameter?
    /// Whether `backward` computes the input gradient.
    public var needsInputGradient = true
    /// When set, training-mode forward passes evaluate the regulariser and backward adds its
    /// weighted gradient.
    public var regularization: KANRegularization?
    /// Whether forward prepares a backward pass (the default). In evaluation mode
    /// (`setTraining(false)`) forward skips basis derivatives and the regulariser, and
    /// `backward` must not be called.
    public private(set) var isTraining = true
    /// The unweighted regulariser value from the last forward pass (0 if disabled).
    public internal(set) var regularizationLoss: Float = 0

    /// G + k, the number of basis functions per input.
    public var basisCount: Int { gridSize + order }
    /// G + 2k + 1, the number of knots per input.
    public var knotCount: Int { gridSize + 2 * order + 1 }

    var workspace: KANWorkspace?
    var input: Tensor?

    /// Creates a layer with a uniform grid over `range` and pykan's initialisation: spline
    /// coefficients least-squares fitted to noise of amplitude `noiseScale / G` at the grid
    /// points, and the edge scales of `initialisation` (by default `w_s = 1/sqrt(inputs)`,
    /// `w_b` uniform in `±1/sqrt(inputs)`). With `bias`, every output gets a trainable bias
    /// starting at 0; it takes no random draws, so the other parameters are the same either way.
    public init(
        inputs: Int, outputs: Int, gridSize: Int = 3, order: Int = 3, range: ClosedRange<Float> = -1...1,
        noiseScale: Float = 0.3, initialisation: KANInitialisation = .pykan, bias: Bool = false, generator: inout SeededGenerator
    ) {
        precondition(inputs > 0 && outputs > 0 && gridSize > 0 && order >= 0, "KANLayer needs positive sizes, G > 0, k >= 0")
        precondition(range.upperBound > range.lowerBound, "KANLayer range must be non-empty, got \(range)")
        self.inputs = inputs
        self.outputs = outputs
        self.gridSize = gridSize
        self.order = order
        let nb = gridSize + order, nk = gridSize + 2 * order + 1
        coefficients = Parameter(name: "coefficients", shape: [inputs * nb, outputs])
        scaleBase = Parameter(name: "scaleBase", shape: [inputs, outputs])
        scaleSpline = Parameter(name: "scaleSpline", shape: [inputs, outputs])
        grid = Parameter(name: "grid", shape: [inputs, nk])
        self.bias = bias ? Parameter(name: "bias", shape: [outputs]) : nil
        let h = (range.upperBound - range.lowerBound) / Float(gridSize)
        for i in 0..<inputs {
            for j in 0..<nk { grid.value[i * nk + j] = range.lowerBound + Float(j - order) * h }
        }
        let invSqrt = 1 / Float(inputs).squareRoot()
        for e in 0..<(inputs * outputs) {
            switch initialisation {
            case .pykan:
                scaleBase.value[e] = generator.uniform(-invSqrt, invSqrt)
                scaleSpline.value[e] = invSqrt
            case .pykan0:
                scaleBase.value[e] = invSqrt + 0.1 * (2 * Float(generator.normal()) - 1)
                scaleSpline.value[e] = 1
            }
        }
        initialiseCoefficients(noiseScale: noiseScale, generator: &generator)
    }

    /// Switches between training (forward prepares backward and the regulariser) and evaluation.
    public func setTraining(_ training: Bool) { isTraining = training }

    /// The coefficients, both scales and the bias if there is one.
    public var parameters: [Parameter] { [coefficients, scaleBase, scaleSpline] + (bias.map { [$0] } ?? []) }

    /// The knots.
    public var buffers: [Parameter] { [grid] }

    /// Evaluates the layer on `[batch, inputs]`.
    public func forward(_ input: Tensor) -> Tensor {
        precondition(input.featuresPerExample == inputs, "KANLayer expects \(inputs) features, got \(input.featuresPerExample)")
        let batch = input.batch
        let ws = workspace(batch: batch)
        self.input = input
        let nb = basisCount
        let regularizing = isTraining ? regularization : nil
        let wantsDerivative = isTraining && needsInputGradient  // only the input gradient uses dB and silu
        SGEMM.transpose(input.data, rows: batch, columns: inputs, into: ws.inputT)
        for i in 0..<inputs {
            let x = ws.inputT + i * batch
            VectorMath.siluAndDerivative(x, count: batch, silu: ws.siluT + i * batch,
                                         derivative: wantsDerivative ? ws.siluDerivativeT + i * batch : nil)
            BSpline.evaluate(
                x: x, count: batch, knots: grid.value + i * knotCount, knotCount: knotCount, order: order,
                basis: ws.basisT + i * nb * batch, derivative: wantsDerivative ? ws.basisDerivativeT + i * nb * batch : nil,
                scratch: ws.levels)
        }
        refreshEffectiveCoefficients(ws)
        let out = ws.output
        SGEMM.multiplyTransposedA(m: batch, n: outputs, k: inputs * nb, a: ws.basisT, lda: batch, b: ws.effective, ldb: outputs,
                                  c: out.data, ldc: outputs, accumulate: false)
        SGEMM.multiplyTransposedA(m: batch, n: outputs, k: inputs, a: ws.siluT, lda: batch, b: scaleBase.value, ldb: outputs,
                                  c: out.data, ldc: outputs, accumulate: true)
        if let bias {
            for s in 0..<batch {
                let row = out.data + s * outputs
                for o in 0..<outputs { row[o] += bias.value[o] }
            }
        }
        regularizationLoss = regularizing.map { evaluateRegularization($0, ws) } ?? 0
        return out
    }

    /// Accumulates the gradients of coefficients and scales and returns the input gradient.
    public func backward(_ gradOutput: Tensor) -> Tensor {
        guard let input, let ws = workspace else { preconditionFailure("KANLayer.backward called before forward") }
        precondition(isTraining, "KANLayer.backward called in evaluation mode")
        let batch = input.batch, nb = basisCount
        precondition(gradOutput.hasShape(batch, outputs), "KANLayer.backward expects [\(batch), \(outputs)], got \(gradOutput.shape)")
        // d(c ⊙ w_s) = B · dY, then split it between c and w_s.
        SGEMM.multiply(m: inputs * nb, n: outputs, k: batch, a: ws.basisT, lda: batch, b: gradOutput.data, ldb: outputs,
                       c: ws.gradEffective, ldc: outputs, accumulate: false)
        for i in 0..<inputs {
            let w = scaleSpline.value + i * outputs, scaleGradient = scaleSpline.gradient + i * outputs
            for m in 0..<nb {
                let r = (i * nb + m) * outputs
                let effective = ws.gradEffective + r, c = coefficients.value + r, gc = coefficients.gradient + r
                for o in 0..<outputs {
                    gc[o] += effective[o] * w[o]
                    scaleGradient[o] += effective[o] * c[o]
                }
            }
        }
        SGEMM.multiply(m: inputs, n: outputs, k: batch, a: ws.siluT, lda: batch, b: gradOutput.data, ldb: outputs,
                       c: scaleBase.gradient, ldc: outputs, accumulate: true)
        if let bias {
            for s in 0..<batch {
                let row = gradOutput.data + s * outputs
                for o in 0..<outputs { bias.gradient[o] += row[o] }
            }
        }
        if needsInputGradient {
            SGEMM.transpose(gradOutput.data, rows: batch, columns: outputs, into: ws.gradOutputT)
            SGEMM.multiply(m: inputs * nb, n: batch, k: outputs, a: ws.effective, lda: outputs, b: ws.gradOutputT, ldb: batch,
                           c: ws.gradBasisT, ldc: batch, accumulate: false)
            SGEMM.multiply(m: inputs, n: batch, k: outputs, a: scaleBase.value, lda: outputs, b: ws.gradOutputT, ldb: batch,
                           c: ws.gradInputT, ldc: batch, accumulate: false)
            for i in 0..<inputs {
                let g = ws.gradInputT + i * batch, d = ws.siluDerivativeT + i * batch
                for s in 0..<batch { g[s] *= d[s] }
                for m in 0..<nb {
                    let db = ws.basisDerivativeT + (i * nb + m) * batch, gb = ws.gradBasisT + (i * nb + m) * batch
                    for s in 0..<batch { g[s] += db[s] * gb[s] }
                }
            }
        }
        if let regularization { addRegularizationGradient(regularization, ws) }
        if needsInputGradient {
            SGEMM.transpose(ws.gradInputT, rows: inputs, columns: batch, into: ws.gradInput.data)
        }
        return ws.gradInput
    }

    /// Per-edge activations `φ` for the last forward batch, as `[inputs, outputs, batch]`.
    func edgeActivations(into phi: UnsafeMutablePointer<Float>, _ ws: KANWorkspace) {
        let batch = ws.batch, nb = basisCount
        for i in 0..<inputs {
            // φ_i [outputs, batch] = (c ⊙ w_s)_iᵀ · B_i + w_b,iᵀ · silu_i, two small products.
            let row = phi + i * outputs * batch
            SGEMM.multiplyTransposedA(m: outputs, n: batch, k: nb, a: ws.effective + i * nb * outputs, lda: outputs,
                                      b: ws.basisT + i * nb * batch, ldb: batch, c: row, ldc: batch, accumulate: false)
            SGEMM.multiplyTransposedA(m: outputs, n: batch, k: 1, a: scaleBase.value + i * outputs, lda: outputs,
                                      b: ws.siluT + i * batch, ldb: batch, c: row, ldc: batch, accumulate: true)
        }
    }

    /// Recomputes `c ⊙ w_s` `[inputs·basisCount, outputs]`, the matrix the forward product uses.
    private func refreshEffectiveCoefficients(_ ws: KANWorkspace) {
        let nb = basisCount
        for i in 0..<inputs {
            for m in 0..<nb {
                let r = (i * nb + m) * outputs
                for o in 0..<outputs { ws.effective[r + o] = coefficients.value[r + o] * scaleSpline.value[i * outputs + o] }
            }
        }
    }

    /// Returns the workspace for `batch`, reallocating it only when the batch outgrows it.
    func workspace(batch: Int) -> KANWorkspace {
        if let workspace, workspace.capacity >= batch {
            workspace.resize(batch: batch)
            return workspace
        }
        let ws = KANWorkspace(inputs: inputs, outputs: outputs, basisCount: basisCount, knotCount: knotCount, capacity: batch)
        workspace = ws
        return ws
    }

    /// Fits the coefficients of every edge to small noise at the interior grid points.
    private func initialiseCoefficients(noiseScale: Float, generator: inout SeededGenerator) {
        let points = gridSize + 1, nb = basisCount
        let x = UnsafeMutablePointer<Float>.allocate(capacity: points)
        let noise = UnsafeMutablePointer<Float>.allocate(capacity: outputs * points)
        let basis = UnsafeMutablePointer<Float>.allocate(capacity: nb * points)
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: BSpline.scratchCount(knotCount: knotCount, count: points))
        defer { x.deallocate(); noise.deallocate(); basis.deallocate(); scratch.deallocate() }
        for i in 0..<inputs {
            let knots = grid.value + i * knotCount
            for p in 0..<points { x[p] = knots[order + p] }
            for p in 0..<points {
                for o in 0..<outputs { noise[o * points + p] = (generator.uniform(0, 1) - 0.5) * noiseScale / Float(gridSize) }
            }
            BSpline.evaluate(x: x, count: points, knots: knots, knotCount: knotCount, order: order,
                             basis: basis, derivative: nil, scratch: scratch)
            let fitted = BSpline.fitCoefficients(basis: basis, basisCount: nb, count: points, targets: noise, curves: outputs)
            for e in 0..<(nb * outputs) { coefficients.value[i * nb * outputs + e] = Float(fitted[e]) }
        }
    }
}

/// Batch-sized buffers of one `KANLayer`, all feature-major (`[rows, batch]`, row stride `batch`)
/// unless noted, sized for up to `capacity` examples so smaller batches reuse them.
final class KANWorkspace {
    let capacity: Int
    private(set) var batch: Int
    let inputT, siluT, siluDerivativeT, basisT, basisDerivativeT, levels: UnsafeMutablePointer<Float>
    let effective, gradEffective: UnsafeMutablePointer<Float>  // [inputs·basisCount, outputs]
    let gradOutputT, gradBasisT, gradInputT: UnsafeMutablePointer<Float>
    private(set) var output: Tensor  // [batch, outputs]
    private(set) var gradInput: Tensor  // [batch, inputs]
    /// Centred edge activations `[inputs, outputs, batch]`, allocated on the first regularised
    /// pass that needs the input gradient.
    var centredActivations: UnsafeMutablePointer<Float>?
    /// Regulariser scratch: one input's centred rows `[basisCount + 1, batch]`, their covariance
    /// `[(basisCount + 1)²]`, and per edge the covariance times the edge's row weights
    /// `[inputs, outputs, basisCount + 1]`.
    let regularizationRows, regularizationCovariance, regularizationProducts: UnsafeMutablePointer<Double>
    /// Regulariser scratch: one edge's row weights `[c ⊙ w_s ..., w_b]` (`basisCount + 1`).
    let regularizationWeights: UnsafeMutablePointer<Double>
    /// Per-edge regulariser factors filled by forward and used by backward (`[inputs, outputs]`).
    let edgeStd, edgeScale, scaleGradient: UnsafeMutablePointer<Float>
    /// Per-input mean and standard deviation of the batch (`[inputs]`).
    let inputMean, inputStd: UnsafeMutablePointer<Float>
    private let inputs, outputs: Int
    private var owned: [UnsafeMutablePointer<Float>] = []

    init(inputs: Int, outputs: Int, basisCount nb: Int, knotCount nk: Int, capacity: Int) {
        self.capacity = capacity
        self.inputs = inputs
        self.outputs = outputs
        batch = capacity
        var owned: [UnsafeMutablePointer<Float>] = []
        func buffer(_ count: Int) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: count)
            p.initialize(repeating: 0, count: count)
            owned.append(p)
            return p
        }
        inputT = buffer(inputs * capacity)
        siluT = buffer(inputs * capacity)
        siluDerivativeT = buffer(inputs * capacity)
        basisT = buffer(inputs * nb * capacity)
        basisDerivativeT = buffer(inputs * nb * capacity)
        levels = buffer(BSpline.scratchCount(knotCount: nk, count: capacity))
        effective = buffer(inputs * nb * outputs)
        gradEffective = buffer(inputs * nb * outputs)
        gradOutputT = buffer(outputs * capacity)
        gradBasisT = buffer(inputs * nb * capacity)
        gradInputT = buffer(inputs * capacity)
        edgeStd = buffer(inputs * outputs)
        edgeScale = buffer(inputs * outputs)
        scaleGradient = buffer(inputs * outputs)
        inputMean = buffer(inputs)
        inputStd = buffer(inputs)
        func doubles(_ count: Int) -> UnsafeMutablePointer<Double> {
            let p = UnsafeMutablePointer<Double>.allocate(capacity: count)
            p.initialize(repeating: 0, count: count)
            return p
        }
        regularizationRows = doubles((nb + 1) * capacity)
        regularizationCovariance = doubles((nb + 1) * (nb + 1))
        regularizationProducts = doubles(inputs * outputs * (nb + 1))
        regularizationWeights = doubles(nb + 1)
        self.owned = owned
        output = Tensor(shape: [capacity, outputs])
        gradInput = Tensor(shape: [capacity, inputs])
    }

    deinit {
        for p in owned { p.deallocate() }
        for p in [regularizationRows, regularizationCovariance, regularizationProducts, regularizationWeights] { p.deallocate() }
        centredActivations?.deallocate()
    }

    /// Switches to `batch` (at most `capacity`) examples; only the output tensors are reshaped.
    func resize(batch newBatch: Int) {
        guard newBatch != batch else { return }
        precondition(newBatch <= capacity, "KANWorkspace holds \(capacity) examples, asked for \(newBatch)")
        batch = newBatch
        output = Tensor.reusing(output, newBatch, outputs)
        gradInput = Tensor.reusing(gradInput, newBatch, inputs)
    }
}
