import SweepCore
import Foundation

/// One parameter of a model-based search, as the sampler sees it.
///
/// The sampler works on each parameter's internal coordinate: the value itself for
/// `uniform`, its logarithm for `logUniform` (so a kernel's width is a ratio, as a
/// learning rate wants), the integer as a real for `intUniform`, and the index of the
/// value for `choice`.
public enum SearchDimension: Sendable, Hashable {
    case uniform(low: Double, high: Double)
    case logUniform(low: Double, high: Double)
    case intUniform(low: Int, high: Int)
    case choice(count: Int)

    /// The interval the kernels live on: an integer k stands for [k - 0.5, k + 0.5], as
    /// Optuna's discrete truncated normals.
    var bounds: (low: Double, high: Double) {
        switch self {
        case .uniform(let low, let high): (low, high)
        case .logUniform(let low, let high): (Foundation.log(low), Foundation.log(high))
        case .intUniform(let low, let high): (Double(low) - 0.5, Double(high) + 0.5)
        case .choice(let count): (0, Double(count))
        }
    }

    /// Only one value: nothing to model (`uniform [1, 1]`, a choice of one).
    var isSingleValued: Bool {
        switch self {
        case .uniform(let low, let high), .logUniform(let low, let high): low == high
        case .intUniform(let low, let high): low == high
        case .choice(let count): count <= 1
        }
    }

    /// Draws a value uniformly (in the internal coordinate): the startup trials.
    public func randomCoordinate(_ generator: inout SplitMix64) -> Double {
        switch self {
        case .uniform, .logUniform:
            let (low, high) = bounds
            return Self.clamped(low + (high - low) * generator.unit(), low, high)
        case .intUniform(let low, let high):
            let span = UInt64(bitPattern: Int64(high) &- Int64(low)) &+ 1
            return Double(low &+ Int(truncatingIfNeeded: span == 0 ? generator.next() : generator.below(span)))
        case .choice(let count):
            return Double(generator.below(UInt64(count)))
        }
    }

    /// The internal coordinate of a value the program ran with.
    public func coordinate(of value: Double) -> Double {
        switch self {
        case .logUniform: Foundation.log(value)
        default: value
        }
    }

    /// The value an internal coordinate stands for (reals clamped: `exp` may step past a bound).
    public func value(at coordinate: Double) -> Double {
        switch self {
        case .uniform(let low, let high): Self.clamped(coordinate, low, high)
        case .logUniform(let low, let high): Self.clamped(Foundation.exp(coordinate), low, high)
        case .intUniform(let low, let high): Self.clamped(coordinate.rounded(), Double(low), Double(high))
        case .choice(let count): Self.clamped(coordinate.rounded(), 0, Double(count - 1))
        }
    }

    static func clamped(_ x: Double, _ low: Double, _ high: Double) -> Double { min(max(x, low), high) }
}
