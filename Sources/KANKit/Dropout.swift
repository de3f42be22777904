/// Inverted dropout: in training mode zeroes each element with probability `rate` and scales
/// the rest by `1 / (1 - rate)`; in evaluation mode it is the identity. Any input shape.
public final class Dropout: Layer {
    /// The probability of dropping an element, in `[0, 1)`.
    public let rate: Float
    /// Whether the layer is in training mode (the default).
    public private(set) var isTraining = true
    /// Unused: the input gradient is always computed.
    public var needsInputGradient = true

    private var generator: SeededGenerator
    private var mask: Tensor?
    private var output: Tensor?
    private var gradInput: Tensor?

    /// Creates a dropout layer drawing its masks from a generator seeded with `seed`.
    public init(rate: Float, seed: UInt64) {
        precondition(rate >= 0 && rate < 1, "Dropout rate must be in [0, 1), got \(rate)")
        self.rate = rate
        generator = SeededGenerator(seed: seed)
    }

    /// No parameters.
    public var parameters: [Parameter] { [] }

    /// Switches between training (random masks) and evaluation (identity).
    public func setTraining(_ training: Bool) { isTraining = training }

    /// Applies a fresh mask in training mode; returns `input` itself in evaluation mode.
    public func forward(_ input: Tensor) -> Tensor {
        guard isTraining else { return input }
        let m = Tensor.reusing(mask, shape: input.shape), out = Tensor.reusing(output, shape: input.shape)
        mask = m
        output = out
        let keep = 1 / (1 - rate)
        // Two 32-bit uniforms per word: an element is dropped when its draw is below rate · 2^32.
        let threshold = UInt64(Double(rate) * 0x1p32)
        var i = 0, bits: UInt64 = 0
        while i < input.count {
            if i & 1 == 0 { bits = generator.next() }
            m.data[i] = bits & 0xFFFF_FFFF < threshold ? 0 : keep
            out.data[i] = input.data[i] * m.data[i]
            bits >>= 32
            i += 1
        }
        return out
    }

    /// Multiplies the gradient by the last mask (identity in evaluation mode).
    public func backward(_ gradOutput: Tensor) -> Tensor {
        guard isTraining else { return gradOutput }
        guard let mask else { preconditionFailure("Dropout.backward called before forward") }
        let gradIn = Tensor.reusing(gradInput, shape: gradOutput.shape)
        gradInput = gradIn
        for i in 0..<gradOutput.count { gradIn.data[i] = gradOutput.data[i] * mask.data[i] }
        return gradIn
    }
}
