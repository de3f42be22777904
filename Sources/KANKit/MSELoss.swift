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
        meanElementwiseLoss("MSELoss", prediction, target, gradient: &gradient) { d in (d * d, 2 * d) }
    }
}

/// The body the elementwise losses share: `mean(term(p - t))` over all elements, accumulated
/// in Double, with `dL/dp = slope / count` written into `gradient` (reused between calls).
/// - Parameter term: the loss of one difference and its derivative.
@inline(__always)
func meanElementwiseLoss(
    _ name: String, _ prediction: Tensor, _ target: Tensor, gradient: inout Tensor?,
    _ term: (Float) -> (value: Float, slope: Float)
) -> Float {
    precondition(prediction.count == target.count, "\(name): prediction \(prediction.shape) vs target \(target.shape)")
    let grad = Tensor.reusing(gradient, shape: prediction.shape)
    gradient = grad
    let scale = 1 / Float(prediction.count)
    var total: Double = 0
    for i in 0..<prediction.count {
        let (value, slope) = term(prediction.data[i] - target.data[i])
        total += Double(value)
        grad.data[i] = slope * scale
    }
    return Float(total) * scale
}
