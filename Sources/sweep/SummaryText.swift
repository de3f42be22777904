import SweepCore
import SweepSpec

/// A job's summary for `sweep logs`: one line per top-level key, each cut at `width`
/// characters unless `full` (a hitl-ddqn summary is a 75 KB line of JSON).
enum SummaryText {
    static let width = 160

    static func render(_ summary: JSONValue, full: Bool) -> String {
        var cut = 0
        func line(_ text: String) -> String {
            let text = TerminalText.oneLine(text)
            guard !full, text.count > width else { return text }
            cut += text.count - width
            return String(text.prefix(width - 1)) + "…"
        }
        var lines = ["summary:"]
        if case .object(let members) = summary {
            for (key, value) in members.sorted(by: { $0.key < $1.key }) {
                lines.append(line("  \(key): \(value.displayText)"))
            }
        } else {
            lines.append(line("  " + summary.canonicalText))
        }
        if cut > 0 { lines.append("  (\(cut) characters cut; --full shows all)") }
        return lines.joined(separator: "\n")
    }
}
