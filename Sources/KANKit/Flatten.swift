/// Reshapes `[batch, d1, d2, ...]` to `[batch, d1·d2·...]` (a copy; the data order is unchanged).
public final class Flatten: Layer {
    /// Unused: the input gradient is always computed.
    public var needsInputGradient = true
    private var inputShape: [Int] = []
    private var output: Tensor?
    private var gradInput: Tensor?

    /// Creates a flatten layer.
    public init() {}

    /// No parameters.
    public var parameters: [Parameter] { [] }

    /// Copies the input into a `[batch, features]` tensor.
    public func forward(_ input: Tensor) -> Tensor {
        inputShape = input.shape
        let out = Tensor.reusing(output, input.batch, input.featuresPerExample)
        output = out
        out.copy(from: input)
        return out
    }

    /// Copies the gradient back into the input's shape.
    public func backward(_ gradOutput: Tensor) -> Tensor {
        let gradIn = Tensor.reusing(gradInput, shape: inputShape)
        gradInput = gradIn
        gradIn.copy(from: gradOutput)
        return gradIn
    }
}
