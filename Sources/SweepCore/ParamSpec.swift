/// One parameter a workload accepts: its dotted name, type and range, default and meaning.
///
/// Specs are validated against these before anything is written, and a job's resolved
/// config holds a value for every parameter of its workload.
public struct ParamSpec: Sendable {
    /// What values a parameter takes.
    public enum Kind: Sendable {
        case int(ClosedRange<Int>)
        case real(ClosedRange<Double>)
        case bool
        case choice([String])
        /// Free text (a path, a name).
        case text
        /// Any JSON value; the workload checks its shape in `problems(in:)`.
        case json(String)
    }

    public var name: String
    public var kind: Kind
    public var defaultValue: JSONValue
    public var doc: String

    public init(_ name: String, _ kind: Kind, default defaultValue: JSONValue, _ doc: String) {
        self.name = name
        self.kind = kind
        self.defaultValue = defaultValue
        self.doc = doc
    }

    /// An integer parameter in `range`.
    public static func int(_ name: String, _ defaultValue: Int, in range: ClosedRange<Int>, _ doc: String) -> ParamSpec {
        ParamSpec(name, .int(range), default: .int(defaultValue), doc)
    }

    /// A real parameter in `range`.
    public static func real(_ name: String, _ defaultValue: Double, in range: ClosedRange<Double>, _ doc: String) -> ParamSpec {
        ParamSpec(name, .real(range), default: .double(defaultValue), doc)
    }

    /// A Boolean parameter.
    public static func bool(_ name: String, _ defaultValue: Bool, _ doc: String) -> ParamSpec {
        ParamSpec(name, .bool, default: .bool(defaultValue), doc)
    }

    /// A parameter that takes one of `choices`.
    public static func choice(_ name: String, _ defaultValue: String, _ choices: [String], _ doc: String) -> ParamSpec {
        ParamSpec(name, .choice(choices), default: .string(defaultValue), doc)
    }

    /// A free-text parameter.
    public static func text(_ name: String, _ defaultValue: String, _ doc: String) -> ParamSpec {
        ParamSpec(name, .text, default: .string(defaultValue), doc)
    }

    /// What the parameter expects, for error messages and `sweep workloads`.
    public var expectation: String {
        switch kind {
        case .int(let r): return "an integer in \(r.lowerBound)...\(r.upperBound)"
        case .real(let r): return "a number in \(r.lowerBound)...\(r.upperBound)"
        case .bool: return "true or false"
        case .choice(let options): return "one of " + options.map { "\"\($0)\"" }.joined(separator: ", ")
        case .text: return "a string"
        case .json(let shape): return shape
        }
    }

    /// Checks `value` against the parameter and returns it in canonical form (an
    /// integral real given for a real parameter stays a real, an integer for a real
    /// parameter becomes a real), or `nil` when it does not fit.
    public func coerce(_ value: JSONValue) -> JSONValue? {
        switch (kind, value) {
        case (.int(let range), .int(let v)):
            return range.contains(v) ? .int(v) : nil
        case (.int(let range), .double(let v)):
            // 8.0 is accepted as 8: YAML and hand-written JSON both produce it.
            guard v.rounded() == v, let i = Int(exactly: v), range.contains(i) else { return nil }
            return .int(i)
        case (.real(let range), _):
            guard let v = value.doubleValue, v.isFinite, range.contains(v) else { return nil }
            return .double(v)
        case (.bool, .bool):
            return value
        case (.choice(let options), .string(let v)):
            // Not `? value : nil`: that nil would be JSONValue's nil literal, `.null`, and accept any string.
            guard options.contains(v) else { return nil }
            return value
        case (.text, .string), (.json, _):
            return value
        default:
            return nil
        }
    }
}
