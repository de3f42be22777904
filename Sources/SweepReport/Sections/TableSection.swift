import SweepCore

/// A table's own section: its heading, what it shows (rows, columns, window, filter, fixed
/// params and what is missing), then its cells, or for a table too long for report.md a
/// note that says where every row is; its CSV has every cell at full precision.
public struct TableSection: ReportSection {
    /// The table.
    public let table: ReportTable
    /// Whether the table's ranking has a heatmap (the summary note names its file).
    public let hasHeatmap: Bool

    /// Fixed parameters listed in a sentence; more go in a table.
    static let fixedInline = 8

    /// A full table's column headers (the row params, then each column group's metrics) and
    /// how many of them label rows.
    static func headers(of table: ReportTable) -> (headers: [String], labelColumns: Int) {
        let labelHeaders = table.rowKeys.isEmpty ? ["jobs"] : table.rowKeys
        var headers = labelHeaders
        for group in table.columnGroups {
            let label = ReportFormat.groupLabel(group)
            headers += table.metrics.map { label.isEmpty ? $0 : "\(label) \($0)" }
        }
        return (headers, labelHeaders.count)
    }

    /// One row of a full table as plain text: its labels, then its cells.
    static func cells(of table: ReportTable, row rowIndex: Int) -> [String] {
        var cells = table.rowKeys.isEmpty ? ["all"] : table.rows[rowIndex].map(ReportFormat.value)
        for (cellIndex, cell) in table.cells[rowIndex].enumerated() {
            let metricIndex = cellIndex % table.metrics.count
            cells.append(ReportFormat.cell(cell, metric: table.metrics[metricIndex], decimals: table.decimals[metricIndex]))
        }
        return cells
    }
}

extension TableSection {
    public func markdown() -> [String] {
        var lines = ["## \(ReportFormat.markdownText(table.heading))", ""]
        let rows = table.rowKeys.isEmpty ? "none" : table.rowKeys.map(ReportFormat.codeSpan).joined(separator: ", ")
        let columns = table.columnKeys.isEmpty ? "none" : table.columnKeys.map(ReportFormat.codeSpan).joined(separator: ", ")
        let epochs = table.spec.window == 1 ? "epoch" : "\(table.spec.window) epochs"
        lines.append("Rows: \(rows); columns: \(columns); cells: mean ± sd over the last \(epochs)[^method].")
        if !table.spec.filter.isEmpty {
            let clauses = table.spec.filter.keys.sorted().map { key in
                ReportFormat.codeSpan(key) + " in "
                    + table.spec.filter[key]!.map { ReportFormat.markdownText(ReportFormat.filterValue($0)) }.joined(separator: ", ")
            }
            lines.append("Only jobs with " + clauses.joined(separator: "; ") + ".")
        }
        if !table.fixedParams.isEmpty {
            let pairs = table.fixedParams.map { (ReportFormat.codeSpan($0.key), ReportFormat.markdownText(ReportFormat.value($0.value))) }
            if pairs.count <= Self.fixedInline {
                lines.append("Fixed: " + pairs.map { "\($0.0) = \($0.1)" }.joined(separator: ", ") + ".")
            } else {
                // Many (a paper workload has ~45): a compact table, three to a row, not a paragraph.
                lines += ["", "Fixed parameters:", "", "| param | value | param | value | param | value |", "| --- | --- | --- | --- | --- | --- |"]
                for start in stride(from: 0, to: pairs.count, by: 3) {
                    let row = pairs[start..<min(start + 3, pairs.count)].flatMap { [$0.0, $0.1] }
                    lines.append("| " + (row + Array(repeating: "", count: 6 - row.count)).joined(separator: " | ") + " |")
                }
                lines.append("")
            }
        }
        if !table.extraRowKeys.isEmpty, !table.spec.rows.isEmpty || !table.columnKeys.isEmpty {
            lines.append("Also varying, so added as rows: " + table.extraRowKeys.map(ReportFormat.codeSpan).joined(separator: ", ") + ".")
        }
        if !table.dependentKeys.isEmpty {
            lines.append("Also differing with the rows and columns: " + table.dependentKeys.map(ReportFormat.codeSpan).joined(separator: ", ") + ".")
        }
        if !table.unknownKeys.isEmpty {
            lines.append("No job of the sweep has: " + table.unknownKeys.map(ReportFormat.codeSpan).joined(separator: ", ") + ".")
        }
        if table.jobCount == 0 {
            lines.append("No job matches this table.")
        }
        if !table.missingMetrics.isEmpty {
            lines.append("Not recorded by any done job: " + table.missingMetrics.map(ReportFormat.codeSpan).joined(separator: ", ") + ".")
        }
        lines.append("")
        if Report.isSummarised(table) {
            lines.append("The table has \(table.rows.count) rows, more than the \(Report.markdownRowLimit) shown in full: every row is in "
                + ReportFormat.codeSpan(Report.tableFileName(table)) + "; here are the best configurations and each param's marginal"
                + (hasHeatmap ? ", and the heatmap " + ReportFormat.codeSpan(Report.heatmapFileName(table)) + " pictures two params." : "."))
            return lines
        }
        let (headers, labelColumns) = Self.headers(of: table)
        let alignment = Array(repeating: "---", count: labelColumns) + Array(repeating: "---:", count: headers.count - labelColumns)
        lines.append("| " + headers.map(ReportFormat.markdownText).joined(separator: " | ") + " |")
        lines.append("| " + alignment.joined(separator: " | ") + " |")
        for rowIndex in table.rows.indices {
            lines.append("| " + Self.cells(of: table, row: rowIndex).map(ReportFormat.markdownText).joined(separator: " | ") + " |")
        }
        return lines
    }

    /// The table's header and rows as the text report.md shows (`0.93 ± 0.01 (n=3)`), at most
    /// `markdownRowLimit` rows as report.md (`row_count` says how many there are).
    public func json(into object: inout [String: JSONValue]) {
        let (headers, labelColumns) = Self.headers(of: table)
        let rows = table.rows.indices.prefix(Report.markdownRowLimit).map { JSONValue.array(Self.cells(of: table, row: $0).map(JSONValue.string)) }
        object["heading"] = .string(table.heading)
        object["number"] = .int(table.number)
        object["window"] = .int(table.spec.window)
        object["row_keys"] = .array(table.rowKeys.map(JSONValue.string))
        object["column_keys"] = .array(table.columnKeys.map(JSONValue.string))
        object["metrics"] = .array(table.metrics.map(JSONValue.string))
        object["fixed"] = .array(table.fixedParams.map { ["key": .string($0.key), "value": .string(ReportFormat.value($0.value))] })
        object["headers"] = .array(headers.map(JSONValue.string))
        object["label_columns"] = .int(labelColumns)
        object["rows"] = .array(rows)
        object["row_count"] = .int(table.rows.count)
    }

    public func csvFiles() -> [ReportCSVFile] {
        [ReportCSVFile(name: Report.tableFileName(table), label: "Table CSV") { [table] in Self.csv(table) }]
    }

    /// One table as tidy CSV (`table-<n>.csv`): one row per (row, column group, metric) with
    /// columns `<row params>, <column params>, metric, mean, sd, sd_over, n, jobs, window`.
    ///
    /// `sd_over` is `seeds` or `window` (see `TableCell.Spread`); `n` counts contributing
    /// seeds, `jobs` all jobs of the configuration; empty cells leave mean and sd empty.
    /// Values are full precision; wall time is in seconds.
    public static func csv(_ table: ReportTable) -> String {
        var buffer = TextBuffer(capacity: 4096 + table.rows.count * table.columnGroups.count * table.metrics.count * 64)
        let fixedColumns = ["metric", "mean", "sd", "sd_over", "n", "jobs", "window"]
        let labelColumns = CSVText.paramColumnNames(table.rowKeys + table.columnKeys, fixed: Set(fixedColumns))
        CSVText.appendRecord(labelColumns + fixedColumns, to: &buffer)
        // Fields that repeat are built once: a configuration's labels, each metric's name.
        let metricFields = table.metrics.map { metric in
            var field = TextBuffer(capacity: 32)
            CSVText.appendField(metric, to: &field)
            field.append(byte: UInt8(ascii: ","))
            return field
        }
        var labels = TextBuffer(capacity: 256)
        for (rowIndex, row) in table.rows.enumerated() {
            for (groupIndex, group) in table.columnGroups.enumerated() {
                labels.removeAll()
                for value in row + group {
                    if let value { CSVText.appendField(value.description, to: &labels) }
                    labels.append(byte: UInt8(ascii: ","))
                }
                for metricIndex in table.metrics.indices {
                    let cell = table.cells[rowIndex][groupIndex * table.metrics.count + metricIndex]
                    buffer.append(labels)
                    buffer.append(metricFields[metricIndex])
                    if let summary = cell.summary {
                        buffer.append(roundTrip: summary.mean)
                        buffer.append(byte: UInt8(ascii: ","))
                        if let sd = summary.sd { buffer.append(roundTrip: sd) }
                        buffer.append(byte: UInt8(ascii: ","))
                        buffer.append(cell.spread.rawValue)
                    } else {
                        buffer.append(",,")
                    }
                    buffer.append(byte: UInt8(ascii: ","))
                    buffer.append(integer: cell.seeds)
                    buffer.append(byte: UInt8(ascii: ","))
                    buffer.append(integer: cell.jobs)
                    buffer.append(byte: UInt8(ascii: ","))
                    buffer.append(integer: table.spec.window)
                    buffer.append(byte: UInt8(ascii: "\n"))
                }
            }
        }
        return buffer.string
    }
}
