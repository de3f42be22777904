import SweepCore

extension ParamValue {
    /// The value of a JSON scalar as a job's config stores it; nil for null, lists and objects.
    public init?(_ value: JSONValue) {
        switch value {
        case .int(let number): self = .int(number)
        case .double(let number): self = .double(number)
        case .string(let string): self = .string(string)
        case .bool(let flag): self = .bool(flag)
        case .null, .array, .object: return nil
        }
    }

    /// Whether a job's value (nil: the job lacks the param) is the filter value `wanted`:
    /// `null` matches a missing param, numbers match by value whether written as integers
    /// or reals (`1` matches `1.0`), everything else by equality.
    static func matches(_ value: ParamValue?, _ wanted: JSONValue) -> Bool {
        guard let value else { return wanted == .null }
        if let number = value.numericValue, let other = wanted.doubleValue { return number == other }
        return ParamValue(wanted) == value
    }
}
