/// A fully connected layer `y = x·W + b`.
///
/// Shapes: input `[batch, inputs]`, output `[batch, outputs]`; `weight` is `[inputs, outputs]`
/// row-major (the transpose of PyTorch's layout, so the forward pass is a plain `X·W`), `bias`
/// is `[outputs]`. Backward accumulates into both gradients.
public final class Linear: Layer {
    /// The number of input features.
    public let inputs: Int
    /// The number of output features.
    public let outputs: Int
    /// The weight matrix `[inputs, outputs]`.
    public let weight: Parameter
    /// The bias vector `[outputs]`.
    public let bias: Parameter
    /// Whether `backward` computes the input gradient.
    public var needsInputGradient = true

    private var input: Tensor?
    private var output: Tensor?
    private var gradInput: Tensor?
    /// `Wᵀ` `[outputs, inputs]`, refreshed in backward so the input gradient is a plain product.
    private let weightTransposed: UnsafeMutablePointer<Float>

    /// Creates a layer initialised like PyTorch's `nn.Linear`: weights and bias uniform in
    /// `±1/sqrt(inputs)`.
    public init(inputs: Int, outputs: Int, generator: inout SeededGenerator) {
        precondition(inputs > 0 && outputs > 0, "Linear needs positive sizes, got \(inputs)x\(outputs)")
        self.inputs = inputs
        self.outputs = outputs
        weight = Parameter(name: "weight", shape: [inputs, outputs])
        bias = Parameter(name: "bias", shape: [outputs])
        weightTransposed = .allocate(capacity: inputs * outputs)
        let bound = 1 / Float(inputs).squareRoot()
        for i in 0..<weight.count { weight.value[i] = generator.uniform(-bound, bound) }
        for i in 0..<outputs { bias.value[i] = generator.uniform(-bound, bound) }
    }

    deinit { weightTransposed.deallocate() }

    /// The weight and the bias.
    public var parameters: [Parameter] { [weight, bias] }

    /// Computes `[batch, outputs]` from `[batch, inputs]`.
    public func forward(_ input: Tensor) -> Tensor {
        precondition(input.featuresPerExample == inputs, "Linear expects \(inputs) features, got \(input.featuresPerExample)")
        let batch = input.batch
        let out = Tensor.reusing(output, batch, outputs)
        output = out
        self.input = input
        for r in 0..<batch { (out.data + r * outputs).update(from: bias.value, count: outputs) }
        SGEMM.multiply(m: batch, n: outputs, k: inputs, a: input.data, lda: inputs, b: weight.value, ldb: outputs,
                       c: out.data, ldc: outputs, accumulate: true)
        return out
    }

    /// Accumulates `dW += Xᵀ·dY`, `db += Σ_batch dY`, and returns `dX = dY·Wᵀ`.
    public func backward(_ gradOutput: Tensor) -> Tensor {
        guard let input else { preconditionFailure("Linear.backward called before forward") }
        let batch = input.batch
        precondition(gradOutput.hasShape(batch, outputs), "Linear.backward expects [\(batch), \(outputs)], got \(gradOutput.shape)")
        SGEMM.multiplyTransposedA(m: inputs, n: outputs, k: batch, a: input.data, lda: inputs, b: gradOutput.data, ldb: outputs,
                                  c: weight.gradient, ldc: outputs, accumulate: true)
        for r in 0..<batch {
            let row = gradOutput.data + r * outputs
            for o in 0..<outputs { bias.gradient[o] += row[o] }
        }
        let gradIn = Tensor.reusing(gradInput, like: input)
        gradInput = gradIn
        if needsInputGradient {
            SGEMM.transpose(weight.value, rows: inputs, columns: outputs, into: weightTransposed)
            SGEMM.multiply(m: batch, n: inputs, k: outputs, a: gradOutput.data, lda: outputs, b: weightTransposed, ldb: inputs,
                           c: gradIn.data, ldc: inputs, accumulate: false)
        }
        return gradIn
    }
}
