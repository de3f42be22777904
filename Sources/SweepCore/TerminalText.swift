/// Untrusted text (a job's output and errors, its file names, a host's messages) made
/// safe to print: a terminal must not run what a job wrote (`ESC]0;title BEL` retitles it,
/// `ESC[2J` clears it, an OSC 52 sequence writes the clipboard), and a one-line row must
/// stay one line.
///
/// Control characters become visible instead of being removed, so nothing silently
/// disappears: C0 controls and DEL in caret notation (`^[` for ESC, `^G` for BEL, `^M` for
/// a carriage return), C1 controls and the bidirectional overrides that reorder a line
/// (U+202A-202E, U+2066-2069) as `\u{9b}`.
public enum TerminalText {
    /// `text` with every control character shown; `keepingLines` keeps `\n` and `\t` (a
    /// multi-line body), otherwise those are shown too.
    public static func visible(_ text: String, keepingLines: Bool = false) -> String {
        guard text.unicodeScalars.contains(where: { needsEscape($0, keepingLines: keepingLines) }) else { return text }
        var result = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            guard needsEscape(scalar, keepingLines: keepingLines) else {
                result.append(scalar)
                continue
            }
            let shown = switch scalar.value {
            case 0x00..<0x20: "^" + String(UnicodeScalar(UInt8(scalar.value + 0x40)))
            case 0x7F: "^?"
            default: "\\u{" + String(scalar.value, radix: 16) + "}"
            }
            result.append(contentsOf: shown.unicodeScalars)
        }
        return String(result)
    }

    /// `text` as one line for a row of a table or a message: line breaks become ` ⏎ `,
    /// other controls are shown as in `visible`, and the result is cut at `limit`
    /// characters (with `…`) when one is given.
    public static func oneLine(_ text: String, limit: Int? = nil) -> String {
        let lines = text.split(omittingEmptySubsequences: true) { $0 == "\n" || $0 == "\r\n" }
        var line = visible(lines.map { $0.trimmingTrailingWhitespace }.joined(separator: " ⏎ "))
        if let limit, line.count > limit { line = String(line.prefix(max(limit - 1, 0))) + "…" }
        return line
    }

    private static func needsEscape(_ scalar: Unicode.Scalar, keepingLines: Bool) -> Bool {
        switch scalar.value {
        case 0x0A, 0x09: !keepingLines
        case 0x00..<0x20, 0x7F, 0x80..<0xA0, 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }
}

private extension Substring {
    var trimmingTrailingWhitespace: Substring {
        var end = endIndex
        while end > startIndex, self[index(before: end)] == " " || self[index(before: end)] == "\t" { end = index(before: end) }
        return self[..<end]
    }
}
