import Foundation
import SweepCore

extension SweepSpec {
    /// The `sample` section: `n` random configs drawn from per-parameter distributions,
    /// crossed with the grid, zip groups and seeds.
    ///
    /// Draws come from `SplitMix64` seeded with `seed`: draw i takes the parameters in
    /// name order, one generator step each, so the same spec gives the same configs (and
    /// job keys) everywhere. Reals keep every bit of the draw: rounded (to 6 significant
    /// digits, as before), 10,000 draws of one uniform collided 0.5 % of the time, and two
    /// configs that should differ became one job. `uniform` is exact IEEE arithmetic;
    /// `log_uniform` goes through `log` and `exp`, which glibc and Darwin's libm agree on
    /// for all but rare last-bit cases.
    public struct Sample: Sendable {
        /// How one parameter is drawn.
        public enum Distribution: Sendable, Hashable {
            /// A real uniformly in [low, high].
            case uniform(Double, Double)
            /// A real whose logarithm is uniform: low > 0 (learning rates, weight decays).
            case logUniform(Double, Double)
            /// An integer in low...high, each equally likely.
            case intUniform(Int, Int)
            /// One of the values, each equally likely.
            case choice([JSONValue])
        }

        /// How configs are chosen.
        public enum Method: String, Sendable, Hashable, CaseIterable {
            /// `count` independent draws, all planned at launch (the default).
            case random
            /// A Tree-structured Parzen Estimator (SweepSearch): each trial is proposed by
            /// the coordinator from the results so far; nothing is planned at launch.
            case tpe
        }

        /// Configs to draw (random), or trials to run (tpe).
        public var count: Int
        public var seed: UInt64
        /// Parameters in name order: the order they are drawn in.
        public var params: [(name: String, distribution: Distribution)]
        public var method: Method = .random
        /// Random trials before the model is used (tpe).
        public var startup: Int = Self.defaultStartup
        /// Model the parameters jointly (tpe; Optuna's `multivariate`, true by default as
        /// Optuna 5.1's for one objective).
        public var multivariate = true
        /// The sampler settings the spec states (`startup`, `multivariate`); the others are
        /// defaults, and a search resumed from the store takes the ones it began with.
        public var stated: Set<String> = []

        /// Optuna's `n_startup_trials`.
        public static let defaultStartup = 10
        /// The most trials of a model-based search: each proposal costs O(trials), and
        /// every trial's point and result stay in the coordinator's memory.
        public static let maxTrials = 10_000

        /// The most configs a `sample` section may draw.
        public static let maxCount = 100_000
        /// The `count` drawn configs, in draw order.
        public func draws() -> [[String: JSONValue]] {
            var generator = SplitMix64(seed: seed)
            var result: [[String: JSONValue]] = []
            result.reserveCapacity(count)
            for _ in 0..<count {
                var config: [String: JSONValue] = [:]
                for (name, distribution) in params {
                    config[name] = distribution.draw(&generator)
                }
                result.append(config)
            }
            return result
        }
    }
}

extension SweepSpec.Sample.Distribution {
    /// As the spec writes it: `log_uniform [1e-05, 0.1]`, `choice ["relu","tanh"]`.
    public var text: String {
        switch self {
        case .uniform(let low, let high): "uniform [\(low), \(high)]"
        case .logUniform(let low, let high): "log_uniform [\(low), \(high)]"
        case .intUniform(let low, let high): "int_uniform [\(low), \(high)]"
        case .choice(let values): "choice [" + values.map(\.canonicalText).joined(separator: ",") + "]"
        }
    }

    func draw(_ generator: inout SplitMix64) -> JSONValue {
        switch self {
        case .uniform(let low, let high):
            let u = generator.unit()
            // low + (high - low) * u overflows to infinity for [-1e308, 1e308], and every draw
            // would be the high bound; the weighted sum of the bounds never overflows.
            let span = high - low
            return .double(Self.clamped(span.isFinite ? low + span * u : low * (1 - u) + high * u, to: low...high))
        case .logUniform(let low, let high):
            return .double(Self.clamped(exp(log(low) + (log(high) - log(low)) * generator.unit()), to: low...high))
        case .intUniform(let low, let high):
            // The span in UInt64 arithmetic (low <= high was checked); 0 means all 2^64 values.
            let span = UInt64(bitPattern: Int64(high) &- Int64(low)) &+ 1
            return .int(low &+ Int(truncatingIfNeeded: span == 0 ? generator.next() : generator.below(span)))
        case .choice(let values):
            return values[Int(generator.below(UInt64(values.count)))]
        }
    }

    /// `value` kept in range: the last bit of a product or of `exp` may step past a bound.
    static func clamped(_ value: Double, to range: ClosedRange<Double>) -> Double {
        min(max(value, range.lowerBound), range.upperBound)
    }
}
