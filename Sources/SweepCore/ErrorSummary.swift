import Foundation

/// A job's error in one line for a table row: its first line (what failed) and, when there are
/// more, its last (for a `command`, the last line its program wrote to stderr: usually why),
/// within `limit` characters, the last line kept whole first.
public enum ErrorSummary {
    public static func line(_ error: String, limit: Int) -> String {
        let lines = error.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard let first = lines.first else { return "" }
        func cut(_ text: String, _ count: Int) -> String {
            count <= 1 ? "…" : text.count > count ? String(text.prefix(count - 1)) + "…" : text
        }
        guard lines.count > 1, let last = lines.last else { return cut(first, limit) }
        let tail = cut(last, max(1, limit * 2 / 3))
        return cut(first, limit - tail.count - 3) + " … " + tail
    }
}
