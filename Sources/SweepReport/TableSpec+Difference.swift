import SweepCore

extension TableSpec {
    /// The most differences one table may ask for.
    public static let maxDifferences = 16

    /// A paired difference a table reports beside its cells, so a claim like "KAN beats MLP"
    /// comes with its spread across seeds.
    ///
    /// Pairs are jobs that agree on everything but what is compared, seed included, so the
    /// seed-to-seed variation that both sides share cancels out of the difference.
    public enum Difference: Sendable, Equatable, CustomStringConvertible {
        /// `value − other` of every metric, between jobs with `param = value` and jobs with
        /// `param = other` (e.g. `model`: `kan` − `mlp`), paired by seed and every other param.
        case param(String, value: JSONValue, other: JSONValue)
        /// `metric − other` within each job (e.g. a symbolic policy's return minus its KAN's).
        case metrics(String, other: String)

        /// `model: kan − mlp`, or `eval.symbolic − eval.policy`.
        public var description: String {
            switch self {
            case .param(let key, let value, let other):
                return "\(key): \(Self.text(value)) − \(Self.text(other))"
            case .metrics(let metric, let other):
                return "\(metric) − \(other)"
            }
        }

        /// A value as tables print it: `kan`, `2` for 2.0 (a real param's integral value).
        private static func text(_ value: JSONValue) -> String {
            switch value {
            case .string(let string): return string
            case .double(let number) where number == number.rounded() && abs(number) < 1e15: return String(Int64(number))
            default: return value.canonicalText
            }
        }
    }
}
