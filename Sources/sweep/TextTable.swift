import SweepCore

/// Plain aligned columns for terminal output. Every cell is one line with its control
/// characters shown (`TerminalText.oneLine`): cells hold job errors, config values and
/// names, host messages, which must neither break a row nor reach the terminal as escapes.
enum TextTable {
    static func render(headers: [String], rows: [[String]]) -> String {
        let headers = headers.map { TerminalText.oneLine($0) }
        let rows = rows.map { $0.map { TerminalText.oneLine($0) } }
        var widths = headers.map(\.count)
        for row in rows {
            for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, cell in
                i == cells.count - 1 ? cell : cell + String(repeating: " ", count: widths[i] - cell.count)
            }.joined(separator: "  ")
        }
        return ([line(headers)] + rows.map(line)).joined(separator: "\n")
    }
}
