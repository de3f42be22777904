/// One command-line override in Hydra 1.3's grammar (`hydra/grammar/OverrideParser.g4`),
/// parsed: what it does to which key, and the value or sweep it gives.
///
/// `HydraOverrideParser` makes these; `SpecOverrides` applies them to a spec.
public struct HydraOverride: Sendable, Equatable {
    /// `key=v`, `+key=v`, `++key=v`, `~key[=v]`.
    public enum Kind: Sendable, Equatable {
        /// `key=v`: change a parameter the spec (or its workload) has.
        case change
        /// `+key=v`: add a parameter the spec does not have.
        case add
        /// `++key=v`: set a parameter, adding it if needed.
        case forceAdd
        /// `~key` or `~key=v`: remove a parameter (only if it holds `v`).
        case delete
    }

    public var kind: Kind
    /// The dotted key, as written (`model.width`).
    public var key: String
    /// Nil only for `~key` without `=`.
    public var value: OverrideValue?

    public init(kind: Kind, key: String, value: OverrideValue?) {
        self.kind = kind
        self.key = key
        self.value = value
    }
}

/// The right-hand side of an override: one value, or a sweep over several.
public enum OverrideValue: Sendable, Equatable {
    case element(HydraValue)
    /// `a,b,c` or `choice(a,b,c)` (after `tag`, `sort` and casts).
    case choice([HydraValue])
    /// `range(start, stop[, step])`: start inclusive, stop exclusive, as Python's.
    case range(start: HydraValue, stop: HydraValue, step: HydraValue)
    /// `interval(a, b)`: a continuous range to sample from.
    case interval(Double, Double)
}

/// A value in an override: Hydra's primitives, lists and dicts.
public indirect enum HydraValue: Sendable, Equatable {
    case int(Int)
    case float(Double)
    case bool(Bool)
    case null
    case string(String)
    case list([HydraValue])
    case dict([String: HydraValue])

    public static func == (lhs: HydraValue, rhs: HydraValue) -> Bool {
        switch (lhs, rhs) {
        case let (.int(a), .int(b)): a == b
        // NaN equals NaN here: these are parse results, compared as written.
        case let (.float(a), .float(b)): a == b || (a.isNaN && b.isNaN)
        case let (.bool(a), .bool(b)): a == b
        case (.null, .null): true
        case let (.string(a), .string(b)): a == b
        case let (.list(a), .list(b)): a == b
        case let (.dict(a), .dict(b)): a == b
        default: false
        }
    }

    /// The number this value holds, for `range` and `interval`.
    var number: Double? {
        switch self {
        case .int(let value): Double(value)
        case .float(let value): value
        default: nil
        }
    }
}

/// Why an override does not parse: the column (1-based, in characters) and what was expected,
/// in the spirit of Hydra's `Error parsing override '...'` messages.
public struct HydraOverrideError: Error, Sendable, Equatable, CustomStringConvertible {
    public var column: Int
    public var message: String
    public var description: String { "at character \(column): \(message)" }
}
