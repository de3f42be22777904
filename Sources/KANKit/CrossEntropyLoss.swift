#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Softmax cross-entropy over class logits, averaged over the batch.
public final class CrossEntropyLoss {
    /// `dL/dlogits = (softmax - onehot) / batch` from the last call; overwritten on each call.
    public private(set) var gradient: Tensor?

    /// Creates the loss.
    public init() {}

    /// Returns the mean negative log-likelihood and stores its gradient in `gradient`.
    /// - Parameters:
    ///   - logits: `[batch, classes]`.
    ///   - labels: `batch` class indices in `0..<classes`.
    public func callAsFunction(_ logits: Tensor, labels: UnsafeBufferPointer<Int32>) -> Float {
        let (batch, classes) = (logits.batch, logits.featuresPerExample)
        precondition(labels.count == batch, "CrossEntropyLoss: \(labels.count) labels for a batch of \(batch)")
        let grad = Tensor.reusing(gradient, shape: logits.shape)
        gradient = grad
        var total: Double = 0
        let scale = 1 / Float(batch)
        for b in 0..<batch {
            let z = logits.data + b * classes, g = grad.data + b * classes
            let label = Int(labels[b])
            precondition(label >= 0 && label < classes, "CrossEntropyLoss: label \(label) outside 0..<\(classes)")
            var peak = z[0]
            for c in 1..<max(classes, 1) { peak = max(peak, z[c]) }
            var sum: Float = 0
            for c in 0..<classes {
                g[c] = expf(z[c] - peak)
                sum += g[c]
            }
            total += Double(logf(sum) + peak - z[label])
            for c in 0..<classes { g[c] = g[c] / sum * scale }
            g[label] -= scale
        }
        return Float(total) * scale
    }
}
