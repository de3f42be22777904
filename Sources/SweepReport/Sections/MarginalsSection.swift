import SweepCore

/// Each swept param's marginal: mean ± sd of the table's main metric over the
/// configurations with each value, and their number; a param with many values shows its
/// best ones (the marginals figure has them all). report.md only: the dashboard draws its
/// own from `/curves`.
public struct MarginalsSection: ReportSection {
    /// The table.
    public let table: ReportTable
    /// Its ranking, with two or more marginals.
    public let ranking: TableRanking

    /// A marginal with more values than this lists only its best ones in `report.md`.
    static let rowLimit = 30
}

extension MarginalsSection {
    public func markdown() -> [String] {
        var lines = [
            "", "### Marginals of \(ReportFormat.codeSpan(ranking.metric))", "",
            "Per value of each param: the mean ± sd of the configurations' \(ReportFormat.codeSpan(ranking.metric)) over every "
                + "other param (the spread of the other params' effects, not an error bar), and n, the number of configurations"
                + (ranking.marginals.contains(where: \.isBinned) ? "; a param with many distinct numbers is in quantile bins of about equal n. " : ". ")
                + (ranking.marginals.contains { $0.seedSD.contains { $0 != nil } }
                    ? "± seeds is the sd across seeds, pooled over the configurations with two or more done seeds."
                    : "Each configuration has one done seed, so there is no spread across seeds to show."),
        ]
        let decimals = table.decimals[ranking.metricIndex]
        for marginal in ranking.marginals {
            var shown = Array(marginal.values.indices)
            lines += ["", "#### \(ReportFormat.codeSpan(marginal.key))", ""]
            if shown.count > Self.rowLimit {
                let better: (Double, Double) -> Bool = ranking.direction == .maximize ? { $0 > $1 } : { $0 < $1 }
                shown = shown.filter { marginal.summaries[$0] != nil }
                    .sorted { better(marginal.summaries[$0]!.mean, marginal.summaries[$1]!.mean) }
                shown = Array(shown.prefix(Self.rowLimit))
                lines += ["\(marginal.values.count) values; the best \(shown.count) are shown (every value is in "
                    + ReportFormat.codeSpan(Report.marginalsFileName(table)) + ").", ""]
            }
            let seeds = marginal.seedSD.contains { $0 != nil }
            lines += ["| " + ReportFormat.markdownText(marginal.key + (marginal.isBinned ? " (bin)" : "")) + " | "
                + ReportFormat.markdownText(ranking.metric) + (seeds ? " | ± seeds" : "") + " | n |",
                seeds ? "| --- | ---: | ---: | ---: |" : "| --- | ---: | ---: |"]
            for index in shown {
                let text = marginal.summaries[index].map { ReportFormat.meanAndSD($0, decimals: decimals) } ?? "—"
                let count = marginal.summaries[index]?.count ?? 0
                let seedText = seeds ? " | " + (marginal.seedSD[index].map { ReportFormat.number($0, decimals: max(decimals, ReportFormat.decimals(showing: $0))) } ?? "—") : ""
                lines.append("| " + ReportFormat.markdownText(ReportFormat.value(marginal.values[index])) + " | \(text)\(seedText) | \(count) |")
            }
        }
        return lines
    }

    /// None: the dashboard does not show marginals as a table.
    public func json(into object: inout [String: JSONValue]) {}

    /// None: the table's CSV has every configuration to group by.
    public func csvFiles() -> [ReportCSVFile] { [] }
}
