/// A differentiable network stage with a hand-written backward pass.
///
/// Contract: `forward` reads `input` (batch-major) and returns the layer's own output tensor,
/// overwritten on each call; `backward` must follow the matching `forward`, reads the
/// gradient with respect to that output and returns the gradient with respect to the input.
/// Backward *accumulates* into every `Parameter.gradient`; `zeroGrad()` clears them.
/// Buffers are allocated at init or when the batch size changes, never per step otherwise.
public protocol Layer: AnyObject {
    /// The trainable parameters, in a stable order (used by optimisers and checkpoints).
    var parameters: [Parameter] { get }
    /// Non-trainable state that must travel with the parameters (e.g. KAN grids): saved in
    /// checkpoints and copied by `copyParameters(from:)`, but never touched by optimisers.
    var buffers: [Parameter] { get }
    /// Whether `backward` must compute the input gradient; the first layer of a network can
    /// skip it (its returned tensor is then unspecified). Defaults to `true`.
    var needsInputGradient: Bool { get set }
    /// Runs the layer on a batch.
    /// - Parameter input: `[batch, ...]` in the layer's input shape.
    /// - Returns: the layer's output tensor, valid until the next `forward`.
    func forward(_ input: Tensor) -> Tensor
    /// Back-propagates the gradient of the loss with respect to the last output.
    /// - Parameter gradOutput: same shape as the last output.
    /// - Returns: the gradient with respect to the last input (same shape as that input).
    func backward(_ gradOutput: Tensor) -> Tensor
    /// Switches between training (e.g. dropout active) and evaluation behaviour.
    func setTraining(_ training: Bool)
}

extension Layer {
    /// No state by default.
    public var buffers: [Parameter] { [] }

    /// Layers without a train/eval distinction ignore the mode.
    public func setTraining(_ training: Bool) {}

    /// Sets every parameter gradient to zero.
    public func zeroGrad() {
        for parameter in parameters { parameter.zeroGradient() }
    }

    /// The number of trainable scalars.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }

    /// Copies all parameter values and buffers from a layer of identical structure (target nets).
    public func copyParameters(from other: any Layer) {
        let mine = parameters + buffers, theirs = other.parameters + other.buffers
        precondition(mine.count == theirs.count, "copyParameters: \(mine.count) tensors vs \(theirs.count)")
        for (target, source) in zip(mine, theirs) { target.copyValue(from: source) }
    }
}
