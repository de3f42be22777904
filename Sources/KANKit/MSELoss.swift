/// Mean squared error `mean((p - t)²)` over all elements, with its gradient.
public final class MSELoss {
    /// `dL/dp` from the last call, shaped like the prediction; overwritten on each call.
    public private(set) var gradient: Tensor?

    /// Creates the loss.
    public init() {}

    /// Returns the loss and stores its gradient in `gradient`.
    /// - Parameters:
    ///   - prediction: any shape.
    ///   - target: the same element count as `prediction`.
    public func callAsFunction(_ prediction: Tensor, _ target: Tensor) -> Float {
        precondition(prediction.count == target.count, "MSELoss: prediction \(prediction.shape) vs target \(target.shape)")
        let grad = Tensor.reusing(gradient, shape: prediction.shape)
        gradient = grad
        let scale = 1 / Float(prediction.count)
        var total: Double = 0
        for i in 0..<prediction.count {
            let d = prediction.data[i] - target.data[i]
            total += Double(d * d)
            grad.data[i] = 2 * d * scale
        }
        return Float(total) * scale
    }
}
