import SweepCore

/// The lines of `sweep logs` that come from the job (its output, stderr and errors): on a
/// terminal their control characters are shown (`TerminalText`), not run; piped, they are
/// as stored. Each output entry is cut at `SummaryText.width` characters unless `full`.
struct LogEntries {
    let full: Bool
    let terminal: Bool
    /// The characters cut so far.
    private(set) var cut = 0

    /// A multi-line text (an attempt's error): line breaks and tabs kept.
    func body(_ text: String) -> String {
        terminal ? TerminalText.visible(text, keepingLines: true) : text
    }

    /// One entry (an output or stderr line), cut to its width.
    mutating func entry(_ text: String) -> String {
        let line = body(text)
        guard !full, line.count > SummaryText.width else { return line }
        cut += line.count - SummaryText.width
        return String(line.prefix(SummaryText.width - 1)) + "…"
    }
}
