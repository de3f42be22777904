/// The reward for classifying one example (the reward-type sweep axis).
public enum RewardType: String, Sendable, CaseIterable {
    /// +1 when correct, -1 when wrong.
    case signed
    /// 1 when correct, 0 when wrong.
    case binary
    /// `signed` minus alpha times the example's feedback MSE.
    case shaped

    /// The reward for a prediction that is `correct`, given the example's feedback MSE and alpha.
    @inline(__always)
    public func reward(correct: Bool, feedbackError: Float, alpha: Float) -> Float {
        switch self {
        case .signed: return correct ? 1 : -1
        case .binary: return correct ? 1 : 0
        case .shaped: return (correct ? 1 : -1) - alpha * feedbackError
        }
    }
}
