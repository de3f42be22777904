/// A trainable (or state) array of Float32 values with a gradient buffer of the same size.
///
/// Layers own their parameters; optimisers walk `Layer.parameters` and update `value` from
/// `gradient`. Backward passes *accumulate* into `gradient`; call `zeroGradient()` (or
/// `Layer.zeroGrad()`) before each step. Not thread-safe.
public final class Parameter {
    /// A name unique within its layer, used in checkpoints (e.g. `"weight"`).
    public let name: String
    /// The logical dimensions, row-major (e.g. `[in, out]` for a linear weight).
    public let shape: [Int]
    /// The number of elements.
    public let count: Int
    /// The values, `count` of them, row-major.
    public let value: UnsafeMutablePointer<Float>
    /// The gradient of the loss with respect to `value`, same layout.
    public let gradient: UnsafeMutablePointer<Float>

    /// Creates a zero-filled parameter with a zero gradient.
    public init(name: String, shape: [Int]) {
        precondition(shape.allSatisfy { $0 > 0 }, "Parameter \(name) shape \(shape) must be positive")
        self.name = name
        self.shape = shape
        count = shape.reduce(1, *)
        value = .allocate(capacity: count)
        value.initialize(repeating: 0, count: count)
        gradient = .allocate(capacity: count)
        gradient.initialize(repeating: 0, count: count)
    }

    deinit {
        value.deallocate()
        gradient.deallocate()
    }

    /// The values as an array (copies; for tests and reporting).
    public var values: [Float] { Array(UnsafeBufferPointer(start: value, count: count)) }

    /// The gradient as an array (copies; for tests and reporting).
    public var gradients: [Float] { Array(UnsafeBufferPointer(start: gradient, count: count)) }

    /// Sets the gradient to zero.
    public func zeroGradient() { gradient.update(repeating: 0, count: count) }

    /// Copies the values (not the gradient) of a parameter of the same shape.
    public func copyValue(from other: Parameter) {
        precondition(other.shape == shape, "Parameter \(name): shape \(shape) cannot copy from \(other.shape)")
        value.update(from: other.value, count: count)
    }
}
