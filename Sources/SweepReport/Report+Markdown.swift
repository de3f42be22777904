import Foundation
import SweepCore

extension Report {
    /// The report as Markdown (`report.md`): header, one section per table, the jobs left
    /// out, and a footnote saying how the numbers were computed.
    public func markdown() -> String {
        var lines: [String] = ["# Sweep report: \(ReportFormat.markdownText(input.sweep))", ""]
        lines += header()
        for table in tables {
            lines += [""] + section(for: table)
        }
        let leftOut = jobsLeftOut
        if !leftOut.isEmpty {
            lines += ["", "## Jobs left out (\(leftOut.count))", ""]
            // The params every job shares say nothing about which job this is.
            let varying = varyingParamKeys
            lines += ["| job | key | state | host | attempt | config | error |", "| ---: | --- | --- | --- | ---: | --- | --- |"]
            for job in leftOut.prefix(Self.markdownRowLimit) {
                let error = job.error.map { ErrorSummary.line($0, limit: 160) } ?? ""
                let cells = [
                    String(job.id), job.key, job.state.rawValue, job.host ?? "", String(job.attempt),
                    configText(of: job, keys: varying), error,
                ]
                lines.append("| " + cells.map(ReportFormat.markdownText).joined(separator: " | ") + " |")
            }
            if leftOut.count > Self.markdownRowLimit {
                lines += ["", "\(leftOut.count - Self.markdownRowLimit) more jobs left out are not listed here; "
                    + "`sweep status \(input.sweep) --json` lists every job with its state and error."]
            }
            lines += ["", "The config column shows the params that vary in the sweep"
                + (varying.isEmpty ? " (none: every job has the same config but its seed)." : "; the others are the same for every job.")]
        }
        lines += ["", "[^method]: " + Self.methodNote]
        return lines.joined(separator: "\n") + "\n"
    }

    /// How every number is computed, printed once as the tables' footnote.
    static let methodNote = """
        Each done job contributes the mean of the metric over its last W recorded epochs \
        (W is given with each table). A cell backed by one done job shows that mean ± the sample \
        sd (n − 1) over the window; a cell backed by several seeds shows the mean ± the sample sd \
        across the seeds' window means. n is the number of seeds that contributed; "n=k of m" \
        means the configuration has m jobs and the others are not done. Only the attempt that \
        finished ok is used; jobs not done are left out of cells and listed. ‡ marks a cell backed \
        by a single seed: its ± is the spread over that job's last W epochs, not across seeds. † marks \
        a cell where a job had fewer than W epochs, so its mean covers all of them. wall_time is the \
        finished attempt's wall-clock time (h:mm:ss).
        """

    private func header() -> [String] {
        var lines: [String] = []
        if let specFile = input.specFile { lines.append("- Spec: " + ReportFormat.codeSpan(specFile)) }
        if let source = input.specSource { lines.append("- Spec source: " + ReportFormat.markdownText(source)) }
        if !input.producedBy.isEmpty {
            lines.append("- Produced by: " + input.producedBy.map(ReportFormat.markdownText).joined(separator: "; "))
        }
        lines.append("- Generated at: \(ReportFormat.timestamp(input.generatedAt))")
        var counts: [JobState: Int] = [:]
        for job in input.jobs { counts[job.state, default: 0] += 1 }
        let notDone = input.jobs.count - counts[.done, default: 0]
        if input.isRunning {
            lines.append("- Status: **running** — this report is partial; jobs not done are left out")
        } else if notDone > 0 {
            // Jobs left to run and no coordinator running them: interrupted, not finished.
            let unfinished = counts[.pending, default: 0] + counts[.running, default: 0] + counts[.cancelled, default: 0] > 0
            lines.append("- Status: \(unfinished ? "interrupted (no coordinator running)" : "stopped") with \(notDone) of "
                + "\(input.jobs.count) jobs not done")
        } else {
            lines.append("- Status: complete")
        }
        // `stopped` (early stopping) only where a rule stopped something: most sweeps have none.
        let states = JobState.allCases.filter { $0 != .done && ($0 != .stopped || counts[.stopped, default: 0] > 0) }
            .map { "\(counts[$0, default: 0]) \($0 == .stopped ? "stopped early" : $0.rawValue)" }
        lines.append("- Jobs: \(input.jobs.count) total — \(counts[.done, default: 0]) done, " + states.joined(separator: ", "))
        if let compute = Self.computeLine(input.jobs) { lines.append(compute) }
        var perHost: [String: Int] = [:]
        for job in input.jobs { if let host = job.host { perHost[host, default: 0] += 1 } }
        let hosts = perHost.keys.sorted().map { "\(ReportFormat.markdownText($0)) (\(perHost[$0]!) job\(perHost[$0]! == 1 ? "" : "s"))" }
        lines.append("- Hosts used: " + (hosts.isEmpty ? "none" : hosts.joined(separator: ", ")))
        let starts = input.jobs.compactMap(\.startedAt)
        if let firstStart = starts.min() {
            let lastFinish = input.isRunning ? input.generatedAt : (input.jobs.compactMap(\.finishedAt).max() ?? input.generatedAt)
            let until = input.isRunning ? "now" : "last finish"
            lines.append("- Elapsed: \(ReportFormat.duration(lastFinish.timeIntervalSince(firstStart))) from first start to \(until)")
        }
        let wallTimes = doneJobIndices.compactMap { input.jobs[$0].wallTime }
        if let summary = SampleSummary(wallTimes) {
            var text = "- Job wall time: \(ReportFormat.duration(wallTimes.reduce(0, +))) summed over \(wallTimes.count) done jobs; "
            text += "per job \(ReportFormat.duration(summary.mean))"
            if let sd = summary.sd { text += " ± \(ReportFormat.duration(sd))" }
            text += " (min \(ReportFormat.duration(wallTimes.min()!)), max \(ReportFormat.duration(wallTimes.max()!)))"
            lines.append(text)
        }
        return lines
    }

    private func section(for table: ReportTable) -> [String] {
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

        let ranking = rankings[table.number - 1]
        if Self.isSummarised(table) {
            lines.append("The table has \(table.rows.count) rows, more than the \(Self.markdownRowLimit) shown in full: every row is in "
                + ReportFormat.codeSpan(Self.tableFileName(table)) + "; here are the best configurations and each param's marginal"
                + (ranking?.heatmap == nil ? "." : ", and the heatmap " + ReportFormat.codeSpan(Self.heatmapFileName(table)) + " pictures two params."))
        } else {
            lines += fullTable(table)
        }
        if let ranking, Self.isSummarised(table) || table.spec.top != nil {
            lines += [""] + bestConfigurations(table, ranking)
            if ranking.marginals.count > 1 {
                lines += [""] + marginals(table, ranking)
                lines += [""] + importance(ranking)
            }
        }
        lines += differenceSections(table)
        return lines
    }

    private func fullTable(_ table: ReportTable) -> [String] {
        var lines: [String] = []
        let (headers, labelColumns) = Self.headers(of: table)
        let alignment = Array(repeating: "---", count: labelColumns) + Array(repeating: "---:", count: headers.count - labelColumns)
        lines.append("| " + headers.map(ReportFormat.markdownText).joined(separator: " | ") + " |")
        lines.append("| " + alignment.joined(separator: " | ") + " |")
        for rowIndex in table.rows.indices {
            lines.append("| " + Self.cells(of: table, row: rowIndex).map(ReportFormat.markdownText).joined(separator: " | ") + " |")
        }
        return lines
    }

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

    /// Fixed parameters listed in a sentence; more go in a table.
    static let fixedInline = 8

    /// One of the best configurations as plain text: its rank, labels and every metric's cell,
    /// with `rankingDecimals(table, ranking)`.
    static func cells(of table: ReportTable, rank: Int, configuration: TableRanking.Configuration, decimals: [Int]) -> [String] {
        var cells = [String(rank + 1)] + (table.rows[configuration.row] + table.columnGroups[configuration.group]).map(ReportFormat.value)
        for (metricIndex, metric) in table.metrics.enumerated() {
            let cell = table.cells[configuration.row][configuration.group * table.metrics.count + metricIndex]
            cells.append(ReportFormat.cell(cell, metric: metric, decimals: decimals[metricIndex]))
        }
        return cells
    }

    /// The table's decimals, with more for the ranked metric where distinct means of the best
    /// configurations would print alike (a random search's best five all reading 0.93), up to 6.
    static func rankingDecimals(_ table: ReportTable, _ ranking: TableRanking) -> [Int] {
        var decimals = table.decimals
        guard let index = table.metrics.firstIndex(of: ranking.metric) else { return decimals }
        let means = Set(ranking.best.map(\.mean).filter(\.isFinite))
        while decimals[index] < 6, Set(means.map { String(format: "%.\(decimals[index])f", $0) }).count < means.count {
            decimals[index] += 1
        }
        return decimals
    }

    /// The best configurations by the main metric, every metric of each.
    private func bestConfigurations(_ table: ReportTable, _ ranking: TableRanking) -> [String] {
        let better = ranking.direction == .maximize ? "higher" : "lower"
        var lines = [
            "### Best \(ranking.best.count) of \(ranking.rankedCount) by \(ReportFormat.codeSpan(ranking.metric)) (\(better) is better)", "",
        ]
        let keys = table.rowKeys + table.columnKeys
        let headers = ["rank"] + keys + table.metrics
        lines.append("| " + headers.map(ReportFormat.markdownText).joined(separator: " | ") + " |")
        lines.append("| ---: | " + (keys.map { _ in "---" } + table.metrics.map { _ in "---:" }).joined(separator: " | ") + " |")
        let decimals = Self.rankingDecimals(table, ranking)
        for (rank, configuration) in ranking.best.enumerated() {
            lines.append("| " + Self.cells(of: table, rank: rank, configuration: configuration, decimals: decimals).map(ReportFormat.markdownText)
                .joined(separator: " | ") + " |")
        }
        return lines
    }

    /// Each swept param's marginal: mean ± sd of the main metric over the configurations
    /// with each value, and their number; a param with many values shows its best ones.
    private func marginals(_ table: ReportTable, _ ranking: TableRanking) -> [String] {
        var lines = [
            "### Marginals of \(ReportFormat.codeSpan(ranking.metric))", "",
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
            if shown.count > Self.marginalRowLimit {
                let better: (Double, Double) -> Bool = ranking.direction == .maximize ? { $0 > $1 } : { $0 < $1 }
                shown = shown.filter { marginal.summaries[$0] != nil }
                    .sorted { better(marginal.summaries[$0]!.mean, marginal.summaries[$1]!.mean) }
                shown = Array(shown.prefix(Self.marginalRowLimit))
                lines += ["\(marginal.values.count) values; the best \(shown.count) are shown (every value is in "
                    + ReportFormat.codeSpan(Self.marginalsFileName(table)) + ").", ""]
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

    /// "Parameter importance": the share of the variance of the configurations' main metric
    /// each swept param explains on its own (one-way η², from its marginal), largest first.
    private func importance(_ ranking: TableRanking) -> [String] {
        var shares: [(key: String, share: Double)] = []
        for marginal in ranking.marginals {
            if let share = Self.varianceShare(marginal) { shares.append((marginal.key, share)) }
        }
        shares.sort { $0.share > $1.share || ($0.share == $1.share && $0.key < $1.key) }
        guard !shares.isEmpty else { return [] }
        var lines = [
            "### Parameter importance", "",
            "The share of the variance of the configurations' \(ReportFormat.codeSpan(ranking.metric)) that each param "
                + "explains on its own: one-way η², the spread of its marginal means over the total. Interactions and "
                + "params that vary together are not separated (Optuna's fANOVA does that); shares need not add up to 1.",
            "", "| param | share of variance |", "| --- | ---: |",
        ]
        for (key, share) in shares { lines.append("| " + ReportFormat.markdownText(key) + " | " + String(format: "%.2f", share) + " |") }
        return lines
    }

    /// η² of one marginal: between-value sum of squares over the total, both from its groups'
    /// means, sds and counts; nil without spread.
    static func varianceShare(_ marginal: Marginal) -> Double? {
        let groups: [SampleSummary] = marginal.summaries.compactMap { $0 }.filter { $0.mean.isFinite }
        var count = 0
        var sum = 0.0
        for group in groups {
            count += group.count
            sum += group.mean * Double(group.count)
        }
        guard groups.count > 1, count > 1 else { return nil }
        let grand = sum / Double(count)
        var between = 0.0, within = 0.0
        for group in groups {
            let offset = group.mean - grand
            let sd = group.sd ?? 0
            between += Double(group.count) * offset * offset
            within += Double(group.count - 1) * sd * sd
        }
        let total = between + within
        return total > 0 ? between / total : nil
    }

    /// A marginal with more values than this lists only its best ones in `report.md`.
    static let marginalRowLimit = 30

    /// `key=value, ..., seed=N` for the params in `keys`; a param the job lacks is left out.
    func configText(of job: ReportJob, keys: [String]) -> String {
        (keys.compactMap { key in job.params[key].map { "\(key)=\($0)" } } + ["seed=\(job.seed)"]).joined(separator: ", ")
    }

}

extension Report {
    /// `- Compute: 1,234 of 5,400 epochs (23 %); 7 jobs stopped early by the stop rule (tables
    /// use done jobs only)`, when a stop rule ended some: the saving against running every job
    /// to its `epochs`. Nil when no job was stopped.
    static func computeLine(_ jobs: [ReportJob]) -> String? {
        let stopped = jobs.filter { $0.state == .stopped }
        guard !stopped.isEmpty else { return nil }
        var ran = 0, full = 0
        for job in jobs where job.state == .done || job.state == .stopped {
            let epochs = job.metrics.values.map { Int($0.epochs.last ?? 0) }.max() ?? 0
            ran += epochs
            full += job.params["epochs"]?.numericValue.map { Int($0) } ?? epochs
        }
        let share = full > 0 ? Int((Double(ran) * 100 / Double(full)).rounded()) : 100
        return "- Compute: \(ran) of \(full) epochs (\(share) %); \(stopped.count) jobs stopped early by the stop rule "
            + "(tables use done jobs only)"
    }
}
