/// A job's fully resolved parameters: every parameter of its workload, by dotted name,
/// plus `seed`. Built by SweepSpec after validation, so accessors trust their keys.
public struct JobConfig: Sendable, Hashable {
    /// The values by dotted name (`kan.width`), including `seed`.
    public private(set) var values: [String: JSONValue]

    public init(_ values: [String: JSONValue]) {
        self.values = values
    }

    /// The job's seed.
    public var seed: UInt64 { UInt64(truncatingIfNeeded: int("seed")) }

    /// The value of `name`, or `nil` if the config has none.
    public subscript(name: String) -> JSONValue? {
        get { values[name] }
        set { values[name] = newValue }
    }

    /// The integer parameter `name`.
    public func int(_ name: String) -> Int {
        guard let v = values[name]?.intValue else { preconditionFailure("config has no integer '\(name)'") }
        return v
    }

    /// The numeric parameter `name`.
    public func double(_ name: String) -> Double {
        guard let v = values[name]?.doubleValue else { preconditionFailure("config has no number '\(name)'") }
        return v
    }

    /// The Boolean parameter `name`.
    public func bool(_ name: String) -> Bool {
        guard let v = values[name]?.boolValue else { preconditionFailure("config has no boolean '\(name)'") }
        return v
    }

    /// The string parameter `name`.
    public func string(_ name: String) -> String {
        guard let v = values[name]?.stringValue else { preconditionFailure("config has no string '\(name)'") }
        return v
    }

    /// The config as nested JSON (`{"kan": {"width": 8}}`), the form stored in the
    /// database and sent to workers, so `json_extract(config, '$.kan.width')` works.
    public var nested: JSONValue {
        var root: [String: JSONValue] = [:]
        for (name, value) in values {
            JobConfig.insert(value, at: name.split(separator: ".").map(String.init)[...], into: &root)
        }
        return .object(root)
    }

    /// Reads a config back from its nested JSON form.
    public init(nested: JSONValue) {
        var flat: [String: JSONValue] = [:]
        JobConfig.flatten(nested, prefix: "", into: &flat)
        self.init(flat)
    }

    private static func insert(_ value: JSONValue, at path: ArraySlice<String>, into object: inout [String: JSONValue]) {
        let head = path.first!
        if path.count == 1 {
            object[head] = value
            return
        }
        var child = object[head]?.objectValue ?? [:]
        insert(value, at: path.dropFirst(), into: &child)
        object[head] = .object(child)
    }

    /// Flattens nested objects into dotted names; lists and scalars are leaves.
    public static func flatten(_ value: JSONValue, prefix: String, into flat: inout [String: JSONValue]) {
        if case .object(let members) = value {
            for (key, member) in members {
                flatten(member, prefix: prefix.isEmpty ? key : prefix + "." + key, into: &flat)
            }
        } else if !prefix.isEmpty {
            flat[prefix] = value
        }
    }
}
