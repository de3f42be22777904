/// A learning rate as a function of the number of completed epochs.
public protocol LearningRateSchedule: Sendable {
    /// The rate to use after `epoch` completed epochs (epoch 0 gives the initial rate).
    func learningRate(epoch: Int) -> Float
}

/// `initial · gamma^epoch` (PyTorch's `ExponentialLR` stepped once per epoch).
public struct ExponentialSchedule: LearningRateSchedule {
    /// The rate at epoch 0.
    public let initial: Float
    /// The factor applied after each epoch.
    public let gamma: Float

    /// Creates the schedule.
    public init(initial: Float, gamma: Float) {
        self.initial = initial
        self.gamma = gamma
    }

    /// `initial · gamma^epoch`.
    public func learningRate(epoch: Int) -> Float {
        var rate = Double(initial)
        for _ in 0..<max(epoch, 0) { rate *= Double(gamma) }
        return Float(rate)
    }
}

/// `initial · gamma^⌊epoch / stepSize⌋` (PyTorch's `StepLR`).
public struct StepSchedule: LearningRateSchedule {
    /// The rate at epoch 0.
    public let initial: Float
    /// Epochs between decays.
    public let stepSize: Int
    /// The factor applied every `stepSize` epochs.
    public let gamma: Float

    /// Creates the schedule; `stepSize` must be positive.
    public init(initial: Float, stepSize: Int, gamma: Float) {
        precondition(stepSize > 0, "StepSchedule stepSize must be positive, got \(stepSize)")
        self.initial = initial
        self.stepSize = stepSize
        self.gamma = gamma
    }

    /// `initial · gamma^⌊epoch / stepSize⌋`.
    public func learningRate(epoch: Int) -> Float {
        ExponentialSchedule(initial: initial, gamma: gamma).learningRate(epoch: max(epoch, 0) / stepSize)
    }
}
