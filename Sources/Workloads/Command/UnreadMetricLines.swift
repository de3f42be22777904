import SweepCore

/// What a program wrote that looked like metrics but was not read (`final accuracy: 0.93`,
/// `loss: nan`), and the fields of JSON metric lines that were ignored (`"note": "hi"`),
/// counted so that the attempt says so once, at its end, instead of losing them silently.
///
/// Bounded: counts, and at most `maxExamples` examples of each kind, each cut to
/// `exampleCharacters` characters with its control characters made visible.
struct UnreadMetricLines: Sendable {
    static let maxExamples = 3
    /// So that a notice line stays within `sweep logs`'s 160 characters.
    static let exampleCharacters = 60

    /// Lines that looked like metrics and were not read.
    private(set) var lines = 0
    /// Fields of JSON metric lines that were not numbers (or had no valid name) and were ignored.
    private(set) var ignoredFields = 0
    private(set) var lineExamples: [String] = []
    private(set) var fieldExamples: [String] = []

    mutating func unread(line number: Int, _ text: Substring, because reason: String) {
        lines += 1
        guard lineExamples.count < Self.maxExamples else { return }
        lineExamples.append("line \(number): \(Self.shown(text))  <- \(reason)")
    }

    /// A field of a JSON metrics line that was not recorded: `value` is not a finite number, or
    /// `name` is not a metric name.
    mutating func ignored(field name: String, value: JSONValue, line number: Int) {
        ignoredFields += 1
        guard fieldExamples.count < Self.maxExamples else { return }
        let why = value.doubleValue.map { $0.isFinite ? "a number, but not a metric name" : "not a finite number" } ?? value.kindDescription
        fieldExamples.append("line \(number): \"\(Self.shown(Substring(name)))\" is \(why)")
    }

    /// The job's log lines that say what was not read from `source` (none when all was).
    func notices(source: String) -> [String] {
        var notices: [String] = []
        if lines > 0 {
            let (verb, noun) = lines == 1 ? ("looked like a metric but was", "line") : ("looked like metrics but were", "lines")
            notices.append("command: \(lines) \(source) \(noun) \(verb) not read; metrics are `name: value` or JSON objects "
                + "(sweep workloads command)" + (lines > lineExamples.count ? "; the first \(lineExamples.count):" : ":"))
            notices += lineExamples.map { "command:   " + $0 }
        }
        if ignoredFields > 0 {
            notices.append("command: \(ignoredFields) \(ignoredFields == 1 ? "field" : "fields") of JSON metric lines on \(source) "
                + "ignored (only numbers are metrics)" + (ignoredFields > fieldExamples.count ? "; the first \(fieldExamples.count):" : ":"))
            notices += fieldExamples.map { "command:   " + $0 }
        }
        return notices
    }

    /// `summary` with the counts of `parts` added (`unread_metric_lines`,
    /// `ignored_metric_fields`) when they are not zero.
    static func summary(_ summary: [String: JSONValue], adding parts: [UnreadMetricLines]) -> JSONValue {
        var summary = summary
        let lines = parts.reduce(0) { $0 + $1.lines }, fields = parts.reduce(0) { $0 + $1.ignoredFields }
        if lines > 0 { summary["unread_metric_lines"] = .int(lines) }
        if fields > 0 { summary["ignored_metric_fields"] = .int(fields) }
        return .object(summary)
    }

    /// `text` for a log line: controls (a terminal escape, a carriage return, a
    /// bidirectional override) as `?`, cut at `exampleCharacters`.
    static func shown(_ text: Substring) -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x00..<0x20, 0x7F..<0xA0, 0x202A...0x202E, 0x2066...0x2069: scalars.append("?")
            default: scalars.append(scalar)
            }
        }
        let line = String(scalars)
        return line.count > exampleCharacters ? String(line.prefix(exampleCharacters - 1)) + "…" : line
    }
}
