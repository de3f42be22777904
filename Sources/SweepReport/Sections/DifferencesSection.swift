import SweepCore

/// A table's paired differences (its spec's `differences`): per difference, a text table of
/// the configurations with pairs (at most `markdownRowLimit` lines; report.md and the
/// dashboard), or why there is none; its CSV has every line at full precision.
public struct DifferencesSection: ReportSection {
    /// The table.
    public let table: ReportTable
    /// Each difference the spec asks for, computed over the table's jobs.
    public let differences: [TableDifference]
    /// The same as text, in order.
    let texts: [Text]

    /// One paired difference as text: what report.md and the dashboard show.
    struct Text {
        /// `Difference model: kan − mlp, paired by seed`.
        var title: String
        /// Why there is no table, when there is none.
        var note: String?
        var headers: [String] = []
        /// How many leading columns are labels (the rest are numbers).
        var labelColumns = 0
        /// One row per configuration and metric that has a pair.
        var rows: [[String]] = []
        /// Configurations without any pair (left out of `rows`; the CSV has them).
        var leftOut = 0
        /// All configurations and metrics, with or without pairs.
        var total = 0
        /// Paired lines past `markdownRowLimit`, left out of `rows` (the CSV has them).
        var cutOff = 0
    }

    /// How a difference is computed, printed once under a table's differences.
    static let method = "A difference pairs jobs that agree on everything but what is compared (seed included) and takes the "
        + "difference of their window means; ± is the sample sd across pairs, the interval is Student's t at 95 % for "
        + "the mean difference, and \"within noise\" means the interval holds 0."

    /// Computes the table's differences over `jobs` (the report's input jobs).
    public init(table: ReportTable, jobs: [ReportJob]) {
        self.table = table
        differences = table.differences(jobs: jobs)
        texts = differences.map { Self.text(of: $0, in: table) }
    }

    private static func text(of computed: TableDifference, in table: ReportTable) -> Text {
        let (first, second, pairedBy) = sides(of: computed.difference)
        var text = Text(title: "Difference \(computed.difference.description), \(pairedBy)")
        if let note = computed.note {
            text.note = note + "."
            return text
        }
        // Configurations where no pair could form (an MLP has no grid, a metric only one
        // side records) would be rows of dashes; they are counted, and stay in the CSV.
        let paired = computed.lines.filter { $0.summary != nil }
        guard !paired.isEmpty else {
            text.note = "No pairs: no configuration has done jobs on both sides (with the same seed)."
            return text
        }
        text.headers = computed.keys + ["metric", "\(first) − \(second)", "relative to \(second)", "n", "95 % CI", "reading"]
        text.labelColumns = computed.keys.count + 1
        text.total = computed.lines.count
        text.leftOut = computed.lines.count - paired.count
        // Bounded like the tables: a 100,000-configuration sweep keeps report.md and the
        // dashboard's answer small; the CSV has every line.
        text.cutOff = max(0, paired.count - Report.markdownRowLimit)
        text.rows = paired.prefix(Report.markdownRowLimit).map { line in
            // The table's decimals for the metric, or more when the spread would print as 0.
            let base = table.metrics.firstIndex(of: line.metric).map { table.decimals[$0] } ?? 2
            let decimals = max(base, line.summary?.sd.map { ReportFormat.decimals(showing: $0) } ?? 0)
            var cells = line.labels.map(ReportFormat.value) + [line.metric]
            cells.append(line.summary.map { signed(ReportFormat.meanAndSD($0, decimals: decimals)) } ?? "—")
            cells.append(line.relative.map { relative in
                signed(ReportFormat.number(relative.mean * 100, decimals: 1)) + " %" + (relative.sd.map { " ± " + ReportFormat.number($0 * 100, decimals: 1) + " %" } ?? "")
            } ?? "—")
            cells.append(String(line.summary?.count ?? 0) + (line.unpaired > 0 ? " (\(line.unpaired) unpaired)" : ""))
            cells.append(line.interval.map {
                "[" + signed(ReportFormat.number($0.lowerBound, decimals: decimals)) + ", " + signed(ReportFormat.number($0.upperBound, decimals: decimals)) + "]"
            } ?? "—")
            cells.append(reading(line, first: first))
            return cells
        }
        return text
    }

    /// The two sides' names and what pairs them.
    private static func sides(of difference: TableSpec.Difference) -> (String, String, String) {
        switch difference {
        case .param(_, let value, let other):
            return (ReportFormat.filterValue(value), ReportFormat.filterValue(other), "paired by seed")
        case .metrics(let metric, let other):
            return (metric, other, "within each job")
        }
    }

    private static func reading(_ line: TableDifference.Line, first: String) -> String {
        guard let summary = line.summary else { return "no pairs" }
        guard summary.count >= 2 else { return "one pair: no spread" }
        if line.isWithinNoise { return "within noise" }
        return summary.mean > 0 ? "\(first) higher" : "\(first) lower"
    }

    /// A leading `+` on a non-negative number, so the sign of a difference is always shown.
    private static func signed(_ text: String) -> String {
        text.hasPrefix("-") || text.hasPrefix("−") ? text : "+" + text
    }
}

extension DifferencesSection {
    /// Nothing for a table that asks for no differences.
    public func markdown() -> [String] {
        var lines: [String] = []
        for text in texts {
            lines += ["", "### " + ReportFormat.markdownText(text.title), ""]
            if let note = text.note {
                lines.append(ReportFormat.markdownText(note))
                continue
            }
            lines.append("| " + text.headers.map(ReportFormat.markdownText).joined(separator: " | ") + " |")
            lines.append("| " + text.headers.indices.map { $0 < text.labelColumns ? "---" : $0 >= text.headers.count - 2 ? "---" : "---:" }.joined(separator: " | ") + " |")
            for row in text.rows {
                lines.append("| " + row.map(ReportFormat.markdownText).joined(separator: " | ") + " |")
            }
            if text.cutOff > 0 {
                lines += ["", "The first \(text.rows.count) of \(text.rows.count + text.cutOff) lines with pairs are shown; "
                    + ReportFormat.codeSpan(Report.differencesFileName(table)) + " has them all."]
            }
            if text.leftOut > 0 {
                lines += ["", "\(text.leftOut) of \(text.total) lines had no pair (one side not run, not done, or without the metric) and are left out here; "
                    + ReportFormat.codeSpan(Report.differencesFileName(table)) + " has them all."]
            }
        }
        if !lines.isEmpty {
            lines += ["", Self.method]
        }
        return lines
    }

    /// `differences`, always (empty when the table asks for none).
    public func json(into object: inout [String: JSONValue]) {
        object["differences"] = .array(texts.map { text in
            [
                "title": .string(text.title), "note": text.note.map(JSONValue.string) ?? .null,
                "headers": .array(text.headers.map(JSONValue.string)), "label_columns": .int(text.labelColumns),
                "rows": .array(text.rows.map { .array($0.map(JSONValue.string)) }), "left_out": .int(text.leftOut), "cut_off": .int(text.cutOff),
            ]
        })
    }

    public func csvFiles() -> [ReportCSVFile] {
        guard !differences.isEmpty else { return [] }
        return [ReportCSVFile(name: Report.differencesFileName(table), label: "Paired differences CSV") { [differences] in Self.csv(differences) }]
    }

    /// Differences as CSV: labels, metric, mean, sd, relative mean and sd, n, the interval
    /// and the unpaired count, full precision.
    public static func csv(_ differences: [TableDifference]) -> String {
        var buffer = TextBuffer(capacity: 4096)
        let fixed = ["difference", "metric", "mean", "sd", "relative_mean", "relative_sd", "n", "ci95_low", "ci95_high", "unpaired"]
        for computed in differences {
            CSVText.appendRecord(CSVText.paramColumnNames(computed.keys, fixed: Set(fixed)) + fixed, to: &buffer)
            for line in computed.lines {
                var fields = line.labels.map { $0?.description ?? "" } + [computed.difference.description, line.metric]
                fields += [line.summary?.mean, line.summary?.sd, line.relative?.mean, line.relative?.sd].map { $0.map { "\($0)" } ?? "" }
                fields.append(String(line.summary?.count ?? 0))
                fields += [line.interval?.lowerBound, line.interval?.upperBound].map { $0.map { "\($0)" } ?? "" }
                fields.append(String(line.unpaired))
                CSVText.appendRecord(fields, to: &buffer)
            }
        }
        return buffer.string
    }
}
