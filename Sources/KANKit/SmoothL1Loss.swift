/// Huber-style smooth L1 loss averaged over all elements (PyTorch's `SmoothL1Loss`):
/// `0.5 d² / β` where `|d| < β`, else `|d| - 0.5 β`, with `d = p - t`.
public final class SmoothL1Loss {
    /// The transition point between the quadratic and linear parts (PyTorch default 1).
    public let beta: Float
    /// `dL/dp` from the last call, shaped like the prediction; overwritten on each call.
    public private(set) var gradient: Tensor?

    /// Creates the loss with the given `beta` (> 0).
    public init(beta: Float = 1) {
        precondition(beta > 0, "SmoothL1Loss beta must be positive, got \(beta)")
        self.beta = beta
    }

    /// Returns the loss and stores its gradient in `gradient`.
    public func callAsFunction(_ prediction: Tensor, _ target: Tensor) -> Float {
        precondition(prediction.count == target.count, "SmoothL1Loss: prediction \(prediction.shape) vs target \(target.shape)")
        let grad = Tensor.reusing(gradient, shape: prediction.shape)
        gradient = grad
        let scale = 1 / Float(prediction.count)
        var total: Double = 0
        for i in 0..<prediction.count {
            let d = prediction.data[i] - target.data[i]
            if abs(d) < beta {
                total += Double(0.5 * d * d / beta)
                grad.data[i] = d / beta * scale
            } else {
                total += Double(abs(d) - 0.5 * beta)
                grad.data[i] = (d > 0 ? 1 : -1) * scale
            }
        }
        return Float(total) * scale
    }
}
