import KANKit

/// The tensors one training or evaluation step of a given batch size works in,
/// allocated once per batch size.
final class StepBuffers {
    /// Examples in the batch.
    let count: Int
    /// `[count, 1, 8, 8]` normalised images.
    let images: Tensor
    /// `[count, 64]` feedback heatmaps f.
    let feedback: Tensor
    /// `[count, 64]` sampled masks a.
    let mask: Tensor
    /// `[count, 64]` states s (F · a, or the pixels without feature selection).
    let state: Tensor
    /// `[count, 64]` dL/dq for FSNet's backward.
    let probabilityGradient: Tensor
    /// `[count]` class labels.
    let labels: UnsafeMutablePointer<Int32>
    /// `[count]` per-example feedback MSE (for shaped rewards).
    let exampleFeedbackError: UnsafeMutablePointer<Float>

    init(count: Int, features: Int) {
        self.count = count
        images = Tensor(shape: [count, 1, 8, 8])
        feedback = Tensor(shape: [count, features])
        mask = Tensor(shape: [count, features])
        state = Tensor(shape: [count, features])
        probabilityGradient = Tensor(shape: [count, features])
        labels = .allocate(capacity: count)
        exampleFeedbackError = .allocate(capacity: count)
    }

    deinit {
        labels.deallocate()
        exampleFeedbackError.deallocate()
    }

    /// Copies the examples `order[start ..< start + count]` of `split`.
    func gather(_ order: [Int], from start: Int, split: PreparedDataset.Split) {
        order.withUnsafeBufferPointer { indices in
            for i in 0..<count { copy(example: indices[start + i], to: i, split: split) }
        }
    }

    /// Copies the examples `start ..< start + count` of `split`.
    func gatherInOrder(from start: Int, split: PreparedDataset.Split) {
        for i in 0..<count { copy(example: start + i, to: i, split: split) }
    }

    private func copy(example: Int, to row: Int, split: PreparedDataset.Split) {
        let d = PreparedDataset.pixelCount
        split.pixels.withUnsafeBufferPointer { (images.data + row * d).update(from: $0.baseAddress! + example * d, count: d) }
        split.feedback.withUnsafeBufferPointer { (feedback.data + row * d).update(from: $0.baseAddress! + example * d, count: d) }
        labels[row] = split.labels[example]
    }
}
