import Foundation
import SweepCore

/// A table's best configurations by its main metric, every metric of each: in report.md for
/// a table summarised there or asking for its `top`, on the dashboard for a summarised one
/// (whose full table it cannot show).
public struct BestConfigurationsSection: ReportSection {
    /// The table.
    public let table: ReportTable
    /// Its ranking (non-empty `best` or not).
    public let ranking: TableRanking

    /// The table's decimals, with more for the ranked metric where distinct means of the best
    /// configurations would print alike (a random search's best five all reading 0.93), up to 6.
    var decimals: [Int] {
        var decimals = table.decimals
        guard let index = table.metrics.firstIndex(of: ranking.metric) else { return decimals }
        let means = Set(ranking.best.map(\.mean).filter(\.isFinite))
        while decimals[index] < 6, Set(means.map { String(format: "%.\(decimals[index])f", $0) }).count < means.count {
            decimals[index] += 1
        }
        return decimals
    }

    /// Column headers: rank, the row and column params, every metric.
    var headers: [String] {
        ["rank"] + table.rowKeys + table.columnKeys + table.metrics
    }

    /// The best configurations as plain text: rank, labels and every metric's cell.
    var rows: [[String]] {
        let decimals = decimals
        return ranking.best.enumerated().map { rank, configuration in
            var cells = [String(rank + 1)] + (table.rows[configuration.row] + table.columnGroups[configuration.group]).map(ReportFormat.value)
            for (metricIndex, metric) in table.metrics.enumerated() {
                let cell = table.cells[configuration.row][configuration.group * table.metrics.count + metricIndex]
                cells.append(ReportFormat.cell(cell, metric: metric, decimals: decimals[metricIndex]))
            }
            return cells
        }
    }
}

extension BestConfigurationsSection {
    public func markdown() -> [String] {
        let better = ranking.direction == .maximize ? "higher" : "lower"
        var lines = [
            "", "### Best \(ranking.best.count) of \(ranking.rankedCount) by \(ReportFormat.codeSpan(ranking.metric)) (\(better) is better)", "",
        ]
        let keys = table.rowKeys + table.columnKeys
        lines.append("| " + headers.map(ReportFormat.markdownText).joined(separator: " | ") + " |")
        lines.append("| ---: | " + (keys.map { _ in "---" } + table.metrics.map { _ in "---:" }).joined(separator: " | ") + " |")
        for row in rows {
            lines.append("| " + row.map(ReportFormat.markdownText).joined(separator: " | ") + " |")
        }
        return lines
    }

    /// `best`, for a table the dashboard shows only the first rows of (null otherwise, as
    /// `Report.tablesJSON` sets it).
    public func json(into object: inout [String: JSONValue]) {
        guard Report.isSummarised(table) else { return }
        object["best"] = [
            "metric": .string(ranking.metric), "direction": .string(ranking.direction == .maximize ? "maximize" : "minimize"),
            "headers": .array(headers.map(JSONValue.string)),
            "rows": .array(rows.map { .array($0.map(JSONValue.string)) }),
        ]
    }

    /// None: the table's CSV has every configuration.
    public func csvFiles() -> [ReportCSVFile] { [] }
}
