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
        meanElementwiseLoss("SmoothL1Loss", prediction, target, gradient: &gradient) { [beta] d in
            abs(d) < beta ? (0.5 * d * d / beta, d / beta) : (abs(d) - 0.5 * beta, d > 0 ? 1 : -1)
        }
    }
}
