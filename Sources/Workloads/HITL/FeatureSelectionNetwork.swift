import KANKit

/// FSNet: a conv stack that turns an 8x8 image into 64 features F, and a head that turns
/// F into per-feature selection probabilities q.
///
/// Shapes: input `[batch, 1, 8, 8]`; `features` output `[batch, 64]`; `probabilities`
/// output `[batch, 64]`. Block l (1-based) is Conv3x3 pad 1 with `filters · 2^l` output
/// channels, ReLU, MaxPool 2, so L blocks with filters = 2^L yield 64 features. The head
/// is fc1 64 -> hidden, ReLU, dropout, fc2 hidden -> 64, sigmoid.
///
/// Gradients: only the feedback cost alpha · MSE(q, f) trains FSNet (head and conv stack,
/// through fc1's input F). The mask a is a sample (no gradient), and the Q-loss is computed
/// on replayed states s = F · a that were stored as values, so it does not reach F.
public final class FeatureSelectionNetwork {
    /// Conv blocks and flatten: `[batch, 1, 8, 8]` -> `[batch, 64]`.
    public let trunk: Sequential
    /// fc1, ReLU, dropout, fc2, sigmoid: `[batch, 64]` -> `[batch, 64]`.
    public let head: Sequential

    /// Builds the network.
    ///
    /// - Parameters:
    ///   - convLayers: number of conv blocks L (1...3).
    ///   - filters: base width; must equal 2^L so that 64 features come out.
    ///   - hidden: fc1 width.
    ///   - dropout: dropout rate after fc1.
    ///   - generator: draws the initial weights and the dropout seed.
    public init(convLayers: Int, filters: Int, hidden: Int, dropout: Float, generator: inout SeededGenerator) {
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
        head = Sequential([fc1, Activation(.relu), Dropout(rate: dropout, seed: generator.next()), fc2, Activation(.sigmoid)])
    }

    /// q from the last `forward`, owned by the head's last layer.
    public private(set) var lastProbabilities: Tensor?

    /// All trainable parameters, trunk first.
    public var parameters: [Parameter] { trunk.parameters + head.parameters }

    /// Switches dropout on (training) or off (evaluation).
    public func setTraining(_ training: Bool) { head.setTraining(training) }

    /// Runs the network; returns F `[batch, 64]` and q `[batch, 64]`, both owned by the
    /// layers and valid until the next `forward`.
    public func forward(_ images: Tensor) -> (features: Tensor, probabilities: Tensor) {
        let features = trunk.forward(images)
        let probabilities = head.forward(features)
        lastProbabilities = probabilities
        return (features, probabilities)
    }

    /// Back-propagates dL/dq (accumulating into the parameter gradients).
    public func backward(probabilityGradient: Tensor) {
        _ = trunk.backward(head.backward(probabilityGradient))
    }
}
