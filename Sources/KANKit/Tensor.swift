/// A dense Float32 array whose first dimension is the batch, stored row-major.
///
/// Shapes are `[batch, features]` for vectors and `[batch, channels, height, width]` for
/// images. A tensor owns its storage; layers keep their output tensors and overwrite them on
/// every call, so a tensor returned by `forward` stays valid only until that layer's next
/// `forward`. Not thread-safe.
public final class Tensor {
    /// The dimensions, batch first. A layer may reshape its own output tensor in place when
    /// the batch size changes (up to `capacity` elements).
    public private(set) var shape: [Int]
    /// The total number of elements (product of `shape`).
    public private(set) var count: Int
    /// The number of elements the storage can hold.
    public let capacity: Int
    /// The elements in row-major order; `count` of them, owned by the tensor.
    public let data: UnsafeMutablePointer<Float>

    /// Creates a zero-filled tensor of the given shape.
    /// - Parameter shape: the dimensions, batch first; every dimension must be positive.
    public init(shape: [Int]) {
        precondition(!shape.isEmpty && shape.allSatisfy { $0 > 0 }, "Tensor shape \(shape) must have positive dimensions")
        self.shape = shape
        count = shape.reduce(1, *)
        capacity = count
        data = .allocate(capacity: count)
        data.initialize(repeating: 0, count: count)
    }

    /// Creates a tensor of the given shape holding `values` in row-major order.
    public convenience init(shape: [Int], values: [Float]) {
        self.init(shape: shape)
        precondition(values.count == count, "Tensor of shape \(shape) needs \(count) values, got \(values.count)")
        values.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: count) }
    }

    deinit { data.deallocate() }

    /// The batch size (first dimension).
    public var batch: Int { shape[0] }

    /// The number of elements per example (`count / batch`).
    public var featuresPerExample: Int { count / shape[0] }

    /// The elements as an array (copies; for tests and reporting, not for hot loops).
    public var values: [Float] { Array(UnsafeBufferPointer(start: data, count: count)) }

    /// Reads or writes the element at a flat row-major index.
    public subscript(index: Int) -> Float {
        get { data[index] }
        set { data[index] = newValue }
    }

    /// Sets every element to zero.
    public func zero() { data.update(repeating: 0, count: count) }

    /// Copies all elements of `other`, which must have the same element count.
    public func copy(from other: Tensor) {
        precondition(other.count == count, "copy(from:) needs \(count) elements, got \(other.count)")
        data.update(from: other.data, count: count)
    }

    /// Whether the shape is `[d0, d1]` (compares without building an array, so it does not allocate).
    func hasShape(_ d0: Int, _ d1: Int) -> Bool { shape.count == 2 && shape[0] == d0 && shape[1] == d1 }

    /// Whether the shape is `[d0, d1, d2, d3]`, without allocating.
    func hasShape(_ d0: Int, _ d1: Int, _ d2: Int, _ d3: Int) -> Bool {
        shape.count == 4 && shape[0] == d0 && shape[1] == d1 && shape[2] == d2 && shape[3] == d3
    }

    // Layers allocate outputs once and reuse them: a tensor that already has the wanted shape is
    // returned as is (checked without allocating); one with enough capacity is reshaped and
    // zeroed (so alternating batch sizes, e.g. acting on 1 example and training on 128, do not
    // reallocate buffers); otherwise a new zeroed tensor is made. Zeroing on reshape keeps the
    // "fresh tensor is zero" guarantee that e.g. Conv2d's padding relies on.

    /// `existing` if it is `[d0, d1]`, else `existing` reshaped or a new tensor, zeroed.
    static func reusing(_ existing: Tensor?, _ d0: Int, _ d1: Int) -> Tensor {
        if let existing, existing.hasShape(d0, d1) { return existing }
        return reshaped(existing, [d0, d1])
    }

    /// `existing` if it is `[d0, d1, d2, d3]`, else `existing` reshaped or a new tensor, zeroed.
    static func reusing(_ existing: Tensor?, _ d0: Int, _ d1: Int, _ d2: Int, _ d3: Int) -> Tensor {
        if let existing, existing.hasShape(d0, d1, d2, d3) { return existing }
        return reshaped(existing, [d0, d1, d2, d3])
    }

    /// `existing` if it has exactly `shape`, else `existing` reshaped or a new tensor, zeroed.
    /// Pass an existing array (e.g. another tensor's `shape`): a literal here would allocate.
    static func reusing(_ existing: Tensor?, shape: [Int]) -> Tensor {
        if let existing, existing.shape == shape { return existing }
        return reshaped(existing, shape)
    }

    /// `existing` if it has `template`'s shape, else `existing` reshaped or a new tensor, zeroed.
    static func reusing(_ existing: Tensor?, like template: Tensor) -> Tensor {
        reusing(existing, shape: template.shape)
    }

    private static func reshaped(_ existing: Tensor?, _ shape: [Int]) -> Tensor {
        let needed = shape.reduce(1, *)
        guard let existing, existing.capacity >= needed, shape.allSatisfy({ $0 > 0 }) else { return Tensor(shape: shape) }
        existing.shape = shape
        existing.count = needed
        existing.zero()
        return existing
    }
}
