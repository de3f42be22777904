import Foundation
import SweepCore

/// The fixed text forms a report uses for numbers, durations, times and Markdown cells.
enum ReportFormat {
    /// A cell as Markdown text: `0.93 ± 0.01`, with ` (n=3)` when its configuration has
    /// several jobs (` (n=2 of 3)` when not all contributed; ` (n=2 of 3, 1 stopped)` when a
    /// stop rule ended some), `†` when a job had fewer epochs than the window. An empty cell is `—`, followed by why: ` (failed)`, ` (2 pending)`.
    /// Wall-time cells are durations (`1:02:03 ± 0:00:41`).
    static func cell(_ cell: TableCell, metric: String, decimals: Int) -> String {
        guard let summary = cell.summary else {
            let states = JobState.allCases.compactMap { state in
                cell.notDone[state].map { cell.jobs == 1 ? state.rawValue : "\($0) \(state.rawValue)" }
            }
            return states.isEmpty ? "—" : "— (" + states.joined(separator: ", ") + ")"
        }
        var text = TextBuffer(capacity: 32)
        let isDuration = metric == TableSpec.wallTimeMetric
        if isDuration { text.append(duration(summary.mean)) } else { text.append(summary.mean, decimals: decimals) }
        if let sd = summary.sd {
            text.append(" ± ")
            if isDuration { text.append(duration(sd)) } else { text.append(sd, decimals: decimals) }
        }
        // One seed: its ± is the spread over the window, which says nothing of seed-to-seed
        // variation; marked so it is not read as if it did.
        if cell.spread == .window, summary.sd != nil, !isDuration { text.append("‡") }
        if cell.isShortWindow { text.append("†") }
        if cell.jobs > 1 {
            text.append(" (n=")
            text.append(integer: cell.seeds)
            if cell.seeds < cell.jobs {
                text.append(" of ")
                text.append(integer: cell.jobs)
            }
            if let stopped = cell.notDone[.stopped] {
                text.append(", ")
                text.append(integer: stopped)
                text.append(" stopped")
            }
            text.append(")")
        }
        return text.string
    }

    /// A number with fixed decimals (`nan`, `inf` as such).
    static func number(_ value: Double, decimals: Int) -> String {
        var text = TextBuffer(capacity: 24)
        text.append(value, decimals: decimals)
        return text.string
    }

    /// A summary as `mean ± sd` (just the mean without an sd), with more decimals than
    /// asked when the sd would otherwise print as 0.
    static func meanAndSD(_ summary: SampleSummary, decimals: Int) -> String {
        var text = TextBuffer(capacity: 32)
        var decimals = decimals
        if let sd = summary.sd, isVisible(sd, mean: summary.mean), (sd * pow(10, Double(decimals))).rounded(.toNearestOrAwayFromZero) == 0 {
            decimals = max(decimals, self.decimals(showing: sd))
        }
        text.append(summary.mean, decimals: decimals)
        if let sd = summary.sd {
            text.append(" ± ")
            text.append(sd, decimals: decimals)
        }
        return text.string
    }

    /// Whether an sd is more than rounding noise of the mean (identical values in floating
    /// point can leave an sd of 1e-17), so it deserves digits of its own.
    static func isVisible(_ sd: Double, mean: Double) -> Bool {
        sd.isFinite && sd > 1e-9 * max(1e-300, abs(mean))
    }

    /// Decimals that show `sd` to one significant figure, as papers print it (0.002 -> 3,
    /// 0.03 -> 2, 4.2 -> 0), at most 6; 0 for a zero, missing or non-finite sd.
    static func decimals(showing sd: Double?) -> Int {
        guard let sd, sd.isFinite, sd > 0 else { return 0 }
        return min(6, max(0, -Int(log10(sd).rounded(.down))))
    }

    /// A duration in seconds as `h:mm:ss` (rounded to whole seconds; `—` if not finite).
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "—" }
        let total = Int(seconds.rounded())
        let sign = total < 0 ? "-" : ""
        let magnitude = abs(total)
        let hours = magnitude / 3600
        let minutes = magnitude / 60 % 60
        let secs = magnitude % 60
        return "\(sign)\(hours):\(minutes < 10 ? "0" : "")\(minutes):\(secs < 10 ? "0" : "")\(secs)"
    }

    /// A time as ISO 8601 in UTC, e.g. `2026-11-22T02:00:00Z`.
    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    /// A filter value for display: `absent` for `null` (jobs lacking the param).
    static func filterValue(_ value: JSONValue) -> String {
        value == .null ? "absent" : ParamValue(value)?.description ?? value.canonicalText
    }

    /// A param value for display; `-` when the job lacks the param.
    static func value(_ value: ParamValue?) -> String {
        value?.description ?? "-"
    }

    /// Text from a spec, a job or a host (names, values, titles, errors) made literal for
    /// Markdown, prose or a table cell, as `LearningCurvePlot.escape` makes it literal for
    /// SVG: Markdown punctuation is backslash-escaped (`|` would end a cell, `` ` `` `*` `_`
    /// `[` `~` start spans), `<`, `>` and `&` become entities (no raw HTML), line breaks and
    /// other control characters become spaces. An underscore inside a word (`train_acc`)
    /// starts no emphasis in CommonMark, so it stays as written.
    static func markdownText(_ text: String) -> String {
        let scalars = Array(text.unicodeScalars)
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for (index, scalar) in scalars.enumerated() {
            switch scalar {
            case "\\", "`", "*", "[", "]", "|", "~":
                escaped += "\\"
                escaped.unicodeScalars.append(scalar)
            case "_":
                let inWord = index > 0 && index + 1 < scalars.count
                    && isWordCharacter(scalars[index - 1]) && isWordCharacter(scalars[index + 1])
                escaped += inWord ? "_" : "\\_"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "&": escaped += "&amp;"
            case "\n" where index > 0 && scalars[index - 1] == "\r": continue  // CRLF is one break
            case "\u{0}"..."\u{1F}", "\u{7F}": escaped += " "
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }

    private static func isWordCharacter(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isAlphabetic || scalar.properties.numericType != nil
    }

    /// A name as an inline code span: `` `kan.width` ``, with a longer fence when the name
    /// holds backticks itself (CommonMark has no escapes inside code spans), line breaks as spaces.
    static func codeSpan(_ text: String) -> String {
        var flat = ""
        var run = 0, longest = 0
        for scalar in text.unicodeScalars {
            run = scalar == "`" ? run + 1 : 0
            longest = max(longest, run)
            flat.unicodeScalars.append(scalar.value < 0x20 || scalar.value == 0x7F ? " " : scalar)
        }
        let fence = String(repeating: "`", count: longest + 1)
        let pad = longest > 0 ? " " : ""
        return fence + pad + flat + pad + fence
    }

    /// Params with their values, `dataset=mnist, seed=1`: legends and captions name the param.
    static func assignments(_ keys: [String], _ values: [ParamValue?]) -> String {
        zip(keys, values).map { "\($0)=\(value($1))" }.joined(separator: ", ")
    }

    /// A column-group label: its values joined by ` / ` (empty when there are no column params).
    static func groupLabel(_ values: [ParamValue?]) -> String {
        values.map(value).joined(separator: " / ")
    }

    /// A file-name fragment: lowercase ASCII letters and digits, other runs as one `-`.
    static func slug(_ text: String) -> String {
        var slug = ""
        var pendingDash = false
        for scalar in text.unicodeScalars {
            if scalar.isASCII, scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "." {
                if pendingDash, !slug.isEmpty { slug.append("-") }
                pendingDash = false
                slug.unicodeScalars.append(contentsOf: String(scalar).lowercased().unicodeScalars)
            } else {
                pendingDash = true
            }
        }
        return slug.isEmpty ? "all" : String(slug.prefix(80))
    }
}
