/// One resolved config value of a job (`"beta"`, `8`, `1e-3`, `true`), as a report groups and sorts it.
///
/// Ordering is natural: booleans before numbers before strings; numbers compare numerically
/// whether stored as `int` or `double` (so `2 < 2.5 < 10`); strings compare by Unicode scalars,
/// which is locale-independent and therefore deterministic.
public enum ParamValue: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// An integer value, e.g. `kan.width: 8`.
    case int(Int)
    /// A floating-point value, e.g. `lr: 0.001`.
    case double(Double)
    /// A string value, e.g. `distribution: "beta"`.
    case string(String)
    /// A boolean value, e.g. `feature_selection: false`.
    case bool(Bool)

    /// The canonical display form: integers in decimal, doubles in Swift's shortest round-trip
    /// form (`0.001`, `1e-05`, integral doubles without `.0`), strings as is, `true`/`false`.
    public var description: String {
        switch self {
        case .int(let value): return String(value)
        case .double(let value):
            if value.isFinite, value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
            return value.description
        case .string(let value): return value
        case .bool(let value): return value ? "true" : "false"
        }
    }

    /// The value as a Double when it is numeric, for numeric comparison.
    public var numericValue: Double? {
        switch self {
        case .int(let value): return Double(value)
        case .double(let value): return value
        case .string, .bool: return nil
        }
    }

    /// Rank of the kind in the cross-kind order: bool < number < string.
    private var kindRank: Int {
        switch self {
        case .bool: return 0
        case .int, .double: return 1
        case .string: return 2
        }
    }

    /// Natural order: see the type's documentation.
    public static func < (lhs: ParamValue, rhs: ParamValue) -> Bool {
        switch (lhs, rhs) {
        case (.int(let a), .int(let b)): return a < b
        case (.bool(let a), .bool(let b)): return !a && b
        case (.string(let a), .string(let b)): return a.unicodeScalars.lexicographicallyPrecedes(b.unicodeScalars)
        default:
            if let a = lhs.numericValue, let b = rhs.numericValue {
                // Equal numeric values of different kinds (2 vs 2.0): int first, for a total order.
                return a < b || (a == b && lhs.kindRank == rhs.kindRank && lhs.isInt && !rhs.isInt)
            }
            return lhs.kindRank < rhs.kindRank
        }
    }

    private var isInt: Bool {
        if case .int = self { return true }
        return false
    }
}
