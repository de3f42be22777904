extension JSONValue {
    /// Canonical JSON text: object keys sorted, no insignificant white space, reals
    /// always written with a fraction or exponent so they read back as reals.
    ///
    /// Two equal values always give the same text; job keys are hashes of this text.
    public var canonicalText: String {
        var out = ""
        out.reserveCapacity(64)
        write(into: &out)
        return out
    }

    /// Appends the canonical text of this value to `out`.
    public func write(into out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d): JSONValue.writeReal(d, into: &out)
        case .string(let s): JSONValue.writeString(s, into: &out)
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                item.write(into: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (i, key) in members.keys.sorted().enumerated() {
                if i > 0 { out += "," }
                JSONValue.writeString(key, into: &out)
                out += ":"
                members[key]!.write(into: &out)
            }
            out += "}"
        }
    }

    /// Writes a real; JSON has no NaN or infinity, so those become null.
    static func writeReal(_ d: Double, into out: inout String) {
        guard d.isFinite else { out += "null"; return }
        // Swift's description is the shortest text that reads back to the same Double,
        // and always has a "." or an "e" ("1.0", "1e-05").
        out += d.description
    }

    static func writeString(_ s: String, into out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}
