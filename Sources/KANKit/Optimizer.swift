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

extension Parameter {
    /// A zeroed buffer of `count` floats for per-element optimiser state; the caller deallocates it.
    func zeroedStateBuffer() -> UnsafeMutablePointer<Float> {
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: count)
        buffer.initialize(repeating: 0, count: count)
        return buffer
    }
}
