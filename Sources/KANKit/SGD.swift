/// Stochastic gradient descent with optional momentum and L2 weight decay (PyTorch's `SGD`,
/// no dampening): `g += wd·p`, `buf = μ·buf + g`, `p -= lr·buf`.
public final class SGD: Optimizer {
    /// The parameters being optimised.
    public let parameters: [Parameter]
    /// The step size.
    public var learningRate: Float
    /// The momentum factor μ (0 disables momentum).
    public let momentum: Float
    /// The L2 penalty added to the gradient.
    public var weightDecay: Float
    private let velocities: [UnsafeMutablePointer<Float>]

    /// Creates the optimiser.
    public init(parameters: [Parameter], learningRate: Float, momentum: Float = 0, weightDecay: Float = 0) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.momentum = momentum
        self.weightDecay = weightDecay
        velocities = parameters.map { $0.zeroedStateBuffer() }
    }

    deinit { for buffer in velocities { buffer.deallocate() } }

    /// Applies one update to every parameter.
    public func step() {
        let (lr, mu, wd) = (learningRate, momentum, weightDecay)
        for (index, parameter) in parameters.enumerated() {
            let velocity = velocities[index], p = parameter.value, g = parameter.gradient
            for i in 0..<parameter.count {
                velocity[i] = mu * velocity[i] + g[i] + wd * p[i]
                p[i] -= lr * velocity[i]
            }
        }
    }
}
