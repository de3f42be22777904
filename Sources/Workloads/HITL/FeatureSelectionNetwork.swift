import KANKit

/// FSNet: a conv stack that turns an 8x8 image into 64 features F, and a head that turns
/// F into per-feature selection probabilities q.
///
/// Shapes: input `[batch, 1, 8, 8]`; `features` output `[batch, 64]`; `logits` and
/// `probabilities` outputs `[batch, 64]`. Block l (1-based) is Conv3x3 pad 1 with
/// `filters · 2^l` output channels, ReLU, MaxPool 2, so L blocks with filters = 2^L yield 64
/// features. The head is fc1 64 -> hidden, ReLU, dropout, fc2 hidden -> 64 (then ReLU with
/// `reluLogits`, the paper's Algorithm 1), giving the logits; q = sigmoid(logits).
///
/// Gradients: the feedback cost alpha · MSE(q, f) trains head and conv stack (through fc1's
/// input F). The mask a is a sample and carries no gradient. With `fsnet.q_gradient` the
/// Q-loss also trains the conv stack: s = F · a is differentiable in F (dL/dF = dL/ds · a),
/// which `selectedFeatures` and `backwardSelected` compute; the head gets no Q-loss gradient,
/// because q reaches s only through the sample a.
public final class FeatureSelectionNetwork {
    /// Conv blocks and flatten: `[batch, 1, 8, 8]` -> `[batch, 64]`.
    public let trunk: Sequential
    /// fc1, ReLU, dropout, fc2 (, ReLU): `[batch, 64]` -> logits `[batch, 64]`.
    public let head: Sequential
    /// The sigmoid turning logits into q.
    private let squash = Activation(.sigmoid)
    /// dL/dF for `backwardSelected`, reallocated when the batch size changes.
    private var featureGradient = Tensor(shape: [1, 64])

    /// Builds the network.
    ///
    /// - Parameters:
    ///   - convLayers: number of conv blocks L (1...3).
    ///   - filters: base width; must equal 2^L so that 64 features come out.
    ///   - hidden: fc1 width.
    ///   - dropout: dropout rate after fc1.
    ///   - reluLogits: apply ReLU to fc2's output before the sigmoid (q >= 0.5).
    ///   - generator: draws the initial weights and the dropout seed.
    public init(convLayers: Int, filters: Int, hidden: Int, dropout: Float, reluLogits: Bool = false, generator: inout SeededGenerator) {
        precondition(filters == 1 << convLayers, "FSNet needs filters = 2^conv_layers to produce 64 features")
        var layers: [any Layer] = []
        var channels = 1
        for l in 1...convLayers {
            let out = filters << l
            layers.append(Conv2d(inChannels: channels, outChannels: out, generator: &generator))
            layers.append(Activation(.relu))
            layers.append(MaxPool2d())
            channels = out
        }
        layers.append(Flatten())
        trunk = Sequential(layers)
        // The images carry no gradient.
        trunk.needsInputGradient = false
        let fc1 = Linear(inputs: 64, outputs: hidden, generator: &generator)
        let fc2 = Linear(inputs: hidden, outputs: 64, generator: &generator)
        let body: [any Layer] = [fc1, Activation(.relu), Dropout(rate: dropout, seed: generator.next()), fc2]
        head = Sequential(reluLogits ? body + [Activation(.relu)] : body)
    }

    /// q from the last `forward`, owned by the sigmoid.
    public private(set) var lastProbabilities: Tensor?

    /// All trainable parameters, trunk first.
    public var parameters: [Parameter] { trunk.parameters + head.parameters }

    /// Switches dropout on (training) or off (evaluation).
    public func setTraining(_ training: Bool) { head.setTraining(training) }

    /// Runs the network; returns F, the logits and q (each `[batch, 64]`), owned by the
    /// layers and valid until the next `forward`.
    public func forward(_ images: Tensor) -> (features: Tensor, logits: Tensor, probabilities: Tensor) {
        let features = trunk.forward(images)
        let logits = head.forward(features)
        let probabilities = squash.forward(logits)
        lastProbabilities = probabilities
        return (features, logits, probabilities)
    }

    /// Back-propagates dL/dq (accumulating into the parameter gradients).
    public func backward(probabilityGradient: Tensor) {
        _ = trunk.backward(head.backward(squash.backward(probabilityGradient)))
    }

    /// Writes s = F(images) · mask into `states` `[batch, 64]`, running only the conv stack
    /// (no dropout, so F is the one `forward` gives); `backwardSelected` may follow.
    public func selectedFeatures(_ images: Tensor, mask: UnsafePointer<Float>, into states: Tensor) {
        let features = trunk.forward(images)
        precondition(states.count == features.count, "selectedFeatures: states \(states.shape) for features \(features.shape)")
        let f = UnsafeBufferPointer(start: features.data, count: features.count)
        let s = UnsafeMutableBufferPointer(start: states.data, count: states.count)
        for k in f.indices { s[k] = f[k] * mask[k] }
    }

    /// Back-propagates dL/ds of the last `selectedFeatures` into the conv stack:
    /// dL/dF = dL/ds · mask (accumulating into the parameter gradients).
    public func backwardSelected(stateGradient: Tensor, mask: UnsafePointer<Float>) {
        if featureGradient.shape != stateGradient.shape { featureGradient = Tensor(shape: stateGradient.shape) }
        let g = UnsafeBufferPointer(start: stateGradient.data, count: stateGradient.count)
        let out = UnsafeMutableBufferPointer(start: featureGradient.data, count: featureGradient.count)
        for k in g.indices { out[k] = g[k] * mask[k] }
        _ = trunk.backward(featureGradient)
    }
}
