/// A name that is safe as one path component: sweep names (which name report folders)
/// and host names (which name `Hosts/NAME.json`).
///
/// ASCII letters and digits, `.`, `_` and `-`; not empty, not `.` or `..`; at most
/// `maxLength` characters. So a name can never climb out of its folder (`../victim`),
/// name a folder itself (`.`), or differ from another only by Unicode normalisation.
public struct PlainName: Sendable, Hashable, CustomStringConvertible {
    public let text: String

    /// The longest name accepted, in characters (all ASCII, so also bytes).
    public static let maxLength = 64

    /// What a plain name is, for error messages.
    public static let rule = "letters, digits, '-', '_' or '.', at most \(maxLength) characters, not \".\" or \"..\""

    /// Checks `text`; throws `PlainName.Invalid` saying what is wrong with it.
    public init(_ text: String) throws(Invalid) {
        if let problem = Self.problem(text) { throw Invalid(name: text, problem: problem) }
        self.text = text
    }

    public var description: String { text }

    /// True when `text` is a plain name.
    public static func isValid(_ text: String) -> Bool { problem(text) == nil }

    /// What is wrong with `text`, or nil when it is a plain name.
    public static func problem(_ text: String) -> String? {
        if text.isEmpty { return "it is empty" }
        if text == "." || text == ".." { return "\"\(text)\" names a folder" }
        if text.utf8.count > maxLength { return "it is longer than \(maxLength) characters" }
        if let bad = text.unicodeScalars.first(where: { !isAllowed($0) }) {
            return "\(bad.isASCII && bad.value >= 0x20 ? "'\(bad)'" : "U+" + String(bad.value, radix: 16, uppercase: true)) is not allowed"
        }
        return nil
    }

    private static func isAllowed(_ c: Unicode.Scalar) -> Bool {
        switch c {
        case "a"..."z", "A"..."Z", "0"..."9", "-", "_", ".": return true
        default: return false
        }
    }

    /// A name that is not plain, and why.
    public struct Invalid: Error, Sendable, CustomStringConvertible {
        public var name: String
        public var problem: String

        public var description: String {
            "\"\(name.count > 80 ? String(name.prefix(80)) + "…" : name)\" is not a plain name (\(problem)): use \(PlainName.rule)"
        }
    }
}
