#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An elementwise nonlinearity (ReLU, sigmoid, SiLU, tanh or softplus); any input shape.
///
/// The output has the input's shape. Backward uses the saved input or output and has no
/// parameters.
public final class Activation: Layer {
    /// The supported functions.
    public enum Function: String, Sendable, CaseIterable {
        /// `max(0, x)`.
        case relu
        /// `1 / (1 + e^-x)`.
        case sigmoid
        /// `x · sigmoid(x)` (swish).
        case silu
        /// Hyperbolic tangent.
        case tanh
        /// `log(1 + e^x)`, computed stably.
        case softplus
    }

    /// The function this layer applies.
    public let function: Function
    /// Unused (no parameters); the input gradient is always computed because it is cheap.
    public var needsInputGradient = true

    private var input: Tensor?
    private var output: Tensor?
    private var gradInput: Tensor?

    /// Creates an activation layer.
    public init(_ function: Function) { self.function = function }

    /// No parameters.
    public var parameters: [Parameter] { [] }

    /// Applies the function elementwise.
    public func forward(_ input: Tensor) -> Tensor {
        let out = Tensor.reusing(output, shape: input.shape)
        output = out
        self.input = input
        let x = input.data, y = out.data
        switch function {
        case .relu: for i in 0..<input.count { y[i] = max(x[i], 0) }
        case .sigmoid: VectorMath.siluAndDerivative(x, count: input.count, silu: nil, derivative: nil, sigmoid: y)
        case .silu: VectorMath.siluAndDerivative(x, count: input.count, silu: y, derivative: nil)
        case .tanh: for i in 0..<input.count { y[i] = tanhf(x[i]) }
        case .softplus: for i in 0..<input.count { y[i] = Activation.softplus(x[i]) }
        }
        return out
    }

    /// Multiplies the incoming gradient by the function's derivative.
    public func backward(_ gradOutput: Tensor) -> Tensor {
        guard let input, let output else { preconditionFailure("Activation.backward called before forward") }
        precondition(gradOutput.count == input.count, "Activation.backward expects \(input.shape), got \(gradOutput.shape)")
        let gradIn = Tensor.reusing(gradInput, shape: input.shape)
        gradInput = gradIn
        let x = input.data, y = output.data, g = gradOutput.data, d = gradIn.data
        switch function {
        case .relu: for i in 0..<input.count { d[i] = x[i] > 0 ? g[i] : 0 }
        case .sigmoid: for i in 0..<input.count { d[i] = g[i] * y[i] * (1 - y[i]) }
        case .silu:
            VectorMath.siluAndDerivative(x, count: input.count, silu: nil, derivative: d)
            for i in 0..<input.count { d[i] *= g[i] }
        case .tanh: for i in 0..<input.count { d[i] = g[i] * (1 - y[i] * y[i]) }
        case .softplus:
            VectorMath.siluAndDerivative(x, count: input.count, silu: nil, derivative: nil, sigmoid: d)
            for i in 0..<input.count { d[i] *= g[i] }
        }
        return gradIn
    }

    /// `log(1 + e^x)` without overflow for large `x`.
    @inline(__always)
    static func softplus(_ x: Float) -> Float { max(x, 0) + log1pf(expf(-abs(x))) }
}
