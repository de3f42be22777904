/// A first-order optimiser that updates a fixed list of parameters from their gradients.
public protocol Optimizer: AnyObject {
    /// The parameters updated by `step()`, in the order given at creation.
    var parameters: [Parameter] { get }
    /// The current learning rate; schedules overwrite it between epochs.
    var learningRate: Float { get set }
    /// Applies one update from the current gradients (does not clear them).
    func step()
}

extension Optimizer {
    /// Sets every parameter's gradient to zero.
    public func zeroGradients() {
        for parameter in parameters { parameter.zeroGradient() }
    }
}
