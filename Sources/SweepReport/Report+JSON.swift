import SweepCore

extension Report {
    /// The report's tables as `sweep serve`'s `/api/sweeps/NAME/report` gives them: each
    /// table's header and rows as the text report.md shows (`0.93 ± 0.01 (n=3)`), at most
    /// `markdownRowLimit` rows (as report.md; `row_count` says how many there are), and,
    /// for a longer table, its best configurations.
    public func tablesJSON() -> JSONValue {
        .object([
            "sweep": .string(input.sweep),
            "method": .string(Self.methodNote),
            "difference_method": .string(Self.differenceNote),
            "tables": .array(tables.map(tableJSON)),
        ])
    }

    private func tableJSON(_ table: ReportTable) -> JSONValue {
        let (headers, labelColumns) = Self.headers(of: table)
        let rows = table.rows.indices.prefix(Self.markdownRowLimit).map { JSONValue.array(Self.cells(of: table, row: $0).map(JSONValue.string)) }
        var object: [String: JSONValue] = [
            "heading": .string(table.heading), "number": .int(table.number), "window": .int(table.spec.window),
            "row_keys": .array(table.rowKeys.map(JSONValue.string)), "column_keys": .array(table.columnKeys.map(JSONValue.string)),
            "metrics": .array(table.metrics.map(JSONValue.string)),
            "fixed": .array(table.fixedParams.map { ["key": .string($0.key), "value": .string(ReportFormat.value($0.value))] }),
            "headers": .array(headers.map(JSONValue.string)), "label_columns": .int(labelColumns),
            "rows": .array(rows), "row_count": .int(table.rows.count), "best": .null,
            "differences": .array(differenceTexts(table).map { text in
                [
                    "title": .string(text.title), "note": text.note.map(JSONValue.string) ?? .null,
                    "headers": .array(text.headers.map(JSONValue.string)), "label_columns": .int(text.labelColumns),
                    "rows": .array(text.rows.map { .array($0.map(JSONValue.string)) }), "left_out": .int(text.leftOut), "cut_off": .int(text.cutOff),
                ]
            }),
        ]
        if let ranking = rankings[table.number - 1], Self.isSummarised(table) {
            let keys = table.rowKeys + table.columnKeys
            let decimals = Self.rankingDecimals(table, ranking)
            object["best"] = [
                "metric": .string(ranking.metric), "direction": .string(ranking.direction == .maximize ? "maximize" : "minimize"),
                "headers": .array((["rank"] + keys + table.metrics).map(JSONValue.string)),
                "rows": .array(ranking.best.enumerated().map { rank, configuration in
                    .array(Self.cells(of: table, rank: rank, configuration: configuration, decimals: decimals).map(JSONValue.string))
                }),
            ]
        }
        return .object(object)
    }
}
