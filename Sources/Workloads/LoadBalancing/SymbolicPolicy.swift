import KANKit
import SweepCore

/// The KAN actor's policy as a closed formula: every edge of the [10, 1] KAN fitted by
/// KANKit's symbolic regression (`c * f(a*x + b) + d` with f among x, x^2, x^3, exp, log,
/// sqrt, tanh, sin, abs), summed, then squashed to a split like the KAN's mean.
///
/// The formula is over the normalised features x1...x10 (see `TwoPathNetwork.observe`).
/// It is executed by parsing its text back, so what runs is exactly what is reported.
final class SymbolicPolicy {
    /// The policy mean as text, e.g. `0.3*tanh(1.2*x1 - 0.4) + 0.1 + ...`.
    let formula: String
    /// R^2 of each edge's fit (input order), `nil` for an edge dropped as unimportant.
    let rSquared: [Double?]
    /// The parsed formula.
    let expression: SymbolicExpression
    let squash: ActionSquash
    private let stack: UnsafeMutablePointer<Double>

    /// Fits `actor` (a [10, 1] KAN) on `samples` `[n, 10]` (normalised observations, n >= 3);
    /// edges whose importance score is below `threshold` are dropped.
    /// - Throws: `JobFailure` if the emitted formula does not parse back (a bug, reported
    ///   rather than hidden).
    init(fitting actor: KAN, on samples: Tensor, threshold: Float, squash: ActionSquash) throws {
        let symbolic = actor.symbolic(on: samples, threshold: threshold)
        formula = symbolic.formulas()[0]
        rSquared = symbolic.edges[0].map { $0?.rSquared }
        do {
            expression = try SymbolicExpression(parsing: formula)
        } catch {
            throw JobFailure("symbolic policy '\(formula)' does not parse: \(error)")
        }
        self.squash = squash
        stack = .allocate(capacity: max(1, expression.stackDepth))
    }

    deinit { stack.deallocate() }

    /// The formula's policy mean at one normalised observation (10 values).
    func mean(_ observation: UnsafePointer<Float>) -> Double {
        expression.evaluate(observation, stack: stack)
    }

    /// The split the symbolic policy chooses for a normalised observation `[1, 10]`.
    func split(_ observation: Tensor) -> Double {
        squash.split(mean(observation.data))
    }
}
