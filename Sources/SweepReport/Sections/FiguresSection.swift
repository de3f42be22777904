import Foundation
import SweepCore

/// A table's figures: learning curves, then a heatmap, the search plots (optimisation
/// history, parallel coordinates, scatter) and the marginals, as `ReportPlot`s that
/// index.md lists under the table and `--format svg` writes. It adds nothing to report.md,
/// the JSON or the CSVs: the dashboard draws its own figures from `/curves`.
///
/// A table of at most `Report.curvesPerRowLimit` rows and column groups gets one
/// learning-curve figure per row (a panel per metric, a series per column group); a bigger
/// one gets a bounded set instead: the best configurations, and one figure per swept param
/// with a series per value. Mean lines are over done jobs; a per-row figure also draws each
/// stopped job's curve, dashed, to where it stopped (`LearningCurvePlot`). Rows without a
/// done or stopped job are skipped, and `wall_time` has no epochs and is not plotted.
/// Per-row file names are `table-<n>-<row values>.svg`, made unique with a numeric suffix
/// when slugs collide.
public struct FiguresSection: ReportSection {
    /// The table.
    public let table: ReportTable
    /// Its ranking over its main metric (nil: no metric, so only learning curves).
    public let ranking: TableRanking?
    /// The sweep's name, in every figure's title.
    let sweep: String
    /// The report's jobs, which the table's job indices point into.
    let jobs: [ReportJob]
    /// Whether the sweep is a model-based or random search (history, parallel, scatter).
    let isSearch: Bool
    /// Params drawn on a log scale in the search plots.
    let logScaleKeys: Set<String>

    /// Series in a grouped figure, and swept params given their own figure, at most.
    static let maxSeries = 12
    static let maxCurveParams = 6

    init(table: ReportTable, ranking: TableRanking?, input: ReportInput) {
        self.table = table
        self.ranking = ranking
        sweep = input.sweep
        jobs = input.jobs
        isSearch = input.isSearch
        logScaleKeys = input.logScaleKeys
    }
}

extension FiguresSection {
    public func markdown() -> [String] { [] }

    public func json(into object: inout [String: JSONValue]) {}

    public func csvFiles() -> [ReportCSVFile] { [] }

    /// Its figures in index.md's order; each SVG is rendered only when read.
    public func figures() -> [ReportPlot] {
        var plots: [ReportPlot] = []
        let metrics = table.metrics.filter { $0 != TableSpec.wallTimeMetric }
        if !metrics.isEmpty {
            if table.rows.count <= Report.curvesPerRowLimit, table.columnGroups.count <= Report.curvesPerRowLimit {
                plots += rowCurves(metrics: metrics)
            } else if let ranking {
                plots += groupedCurves(ranking, metrics: metrics)
            }
        }
        guard let ranking else { return plots }
        if let grid = ranking.heatmap {
            let plot = HeatmapPlot(title: "\(sweep) — \(table.heading)", metric: ranking.metric, direction: ranking.direction, grid: grid)
            plots.append(ReportPlot(
                rowLabel: "\(ranking.metric) by \(grid.yKey) and \(grid.xKey)",
                fileName: Report.heatmapFileName(table), svg: plot.svg(), kind: .heatmap))
        }
        if isSearch {
            let entries = searchEntries(ranking)
            if let history = history(ranking, entries: entries) { plots.append(history) }
            plots += searchPlots(ranking, entries: entries)
        }
        if ranking.marginals.count > 1 {
            let plot = MarginalPlot(title: "\(sweep) — \(table.heading)", metric: ranking.metric, direction: ranking.direction, marginals: ranking.marginals)
            plots.append(ReportPlot(
                rowLabel: "\(ranking.metric) by each of " + ranking.sweptKeys.joined(separator: ", "),
                fileName: Report.marginalsFileName(table), svg: plot.svg(), kind: .marginals))
        }
        return plots
    }

    /// A table's done jobs with a finite main metric (the job's mean over the table's
    /// window), in job-id order: the points of the search plots.
    private func searchEntries(_ ranking: TableRanking) -> [(job: ReportJob, value: Double)] {
        var indices: [Int] = []
        for row in table.jobIndices {
            for group in row { indices += group }
        }
        indices.sort { jobs[$0].id < jobs[$1].id }
        var entries: [(job: ReportJob, value: Double)] = []
        entries.reserveCapacity(indices.count)
        for index in indices {
            let job = jobs[index]
            guard job.state == .done, let series = job.metrics[ranking.metric],
                  let summary = SampleSummary.lastWindow(of: series, window: max(1, table.spec.window)), summary.mean.isFinite else { continue }
            entries.append((job, summary.mean))
        }
        return entries
    }

    /// The optimisation history of a table: each of its done jobs' main metric (mean over
    /// the table's window) in start order; nil with fewer than two.
    private func history(_ ranking: TableRanking, entries: [(job: ReportJob, value: Double)]) -> ReportPlot? {
        guard entries.count > 1 else { return nil }
        let values = entries.sorted { ($0.job.startedAt ?? .distantPast, $0.job.id) < ($1.job.startedAt ?? .distantPast, $1.job.id) }.map(\.value)
        let plot = HistoryPlot(title: "\(sweep) — \(table.heading)", metric: ranking.metric, direction: ranking.direction, values: values)
        return ReportPlot(rowLabel: "\(ranking.metric) of each job in start order",
                          fileName: Report.historyFileName(table), svg: plot.svg(), kind: .history)
    }

    /// The parallel coordinates and the param-vs-metric scatter of a table whose configurations
    /// vary in at least one param, over at least two done jobs. Every varying param gets an
    /// axis, the ones that vary with the rows too (in a random search all but the first do).
    private func searchPlots(_ ranking: TableRanking, entries: [(job: ReportJob, value: Double)]) -> [ReportPlot] {
        let keys = (table.rowKeys + table.columnKeys + table.dependentKeys).filter { key in
            guard key != TableSpec.seedKey, let first = entries.first?.job.value(of: key) else { return key != TableSpec.seedKey && entries.contains { $0.job.value(of: key) != nil } }
            return entries.contains { $0.job.value(of: key) != first }
        }
        guard entries.count > 1, !keys.isEmpty else { return [] }
        let points = TrialPoints(metric: ranking.metric, direction: ranking.direction, entries: entries, keys: keys, logKeys: logScaleKeys)
        let title = "\(sweep) — \(table.heading)"
        return [
            ReportPlot(rowLabel: "\(ranking.metric) and every param of each job",
                       fileName: Report.parallelFileName(table), svg: ParallelPlot(title: title, points: points).svg(), kind: .parallel),
            ReportPlot(rowLabel: "\(ranking.metric) against each param",
                       fileName: Report.scatterFileName(table), svg: ScatterPlot(title: title, points: points).svg(), kind: .scatter),
        ]
    }

    /// One figure per row, a series per column group.
    private func rowCurves(metrics: [String]) -> [ReportPlot] {
        var plots: [ReportPlot] = []
        var usedNames: Set<String> = []
        for (rowIndex, row) in table.rows.enumerated() {
            let rowLabel = table.rowKeys.isEmpty ? "all jobs" : ReportFormat.assignments(table.rowKeys, row)
            let groups = table.jobIndices[rowIndex]
            // A row with nothing done or stopped yet would be empty axes: leave it out.
            guard groups.joined().contains(where: { jobs[$0].state == .done || jobs[$0].state == .stopped }) else { continue }
            // The legend names the params (`dataset=mnist`); without column params, the row.
            let labels = table.columnGroups.map { table.columnKeys.isEmpty ? rowLabel : ReportFormat.assignments(table.columnKeys, $0) }
            let plot = LearningCurvePlot(
                title: "\(sweep) — \(table.heading): \(rowLabel)", seriesLabels: labels,
                panels: panels(metrics, series: groups, withStopped: true))
            let base = "table-\(table.number)-" + (table.rowKeys.isEmpty ? "all" : ReportFormat.slug(row.map(ReportFormat.value).joined(separator: "-")))
            var fileName = base + ".svg"
            var suffix = 2
            while usedNames.contains(fileName) {
                fileName = "\(base)-\(suffix).svg"
                suffix += 1
            }
            usedNames.insert(fileName)
            plots.append(ReportPlot(rowLabel: rowLabel, fileName: fileName, svg: plot.svg()))
        }
        return plots
    }

    /// The bounded figures of a big table: the best configurations' curves, and per swept
    /// param (at most `maxCurveParams`) the curves of its values, each averaged over every
    /// configuration with that value (at most `maxSeries` values, evenly spaced).
    private func groupedCurves(_ ranking: TableRanking, metrics: [String]) -> [ReportPlot] {
        var plots: [ReportPlot] = []
        let keys = table.rowKeys + table.columnKeys
        if !ranking.best.isEmpty {
            let best = ranking.best.prefix(Self.maxSeries)
            let labels = best.map { ReportFormat.assignments(keys, table.rows[$0.row] + table.columnGroups[$0.group]) }
            let label = "best \(best.count) by \(ranking.metric)"
            let plot = LearningCurvePlot(
                title: "\(sweep) — \(table.heading): \(label)", seriesLabels: labels,
                panels: panels(metrics, series: best.map { table.jobIndices[$0.row][$0.group] }))
            plots.append(ReportPlot(rowLabel: label, fileName: "table-\(table.number)-best.svg", svg: plot.svg()))
        }
        var usedNames: Set<String> = []
        // A binned param's ranges are not values of a row: its curves would be one per job.
        for marginal in ranking.marginals.filter({ !$0.isBinned }).prefix(Self.maxCurveParams) {
            guard let keyIndex = keys.firstIndex(of: marginal.key) else { continue }
            var position: [ParamValue?: Int] = [:]
            for (index, value) in marginal.values.enumerated() { position[value] = index }
            var members = [[Int]](repeating: [], count: marginal.values.count)
            let rowCount = table.rowKeys.count
            for row in table.rows.indices {
                for group in table.columnGroups.indices {
                    let value = keyIndex < rowCount ? table.rows[row][keyIndex] : table.columnGroups[group][keyIndex - rowCount]
                    members[position[value]!] += table.jobIndices[row][group]
                }
            }
            let shown = Report.evenlySpaced(marginal.values.count, atMost: Self.maxSeries)
            let label = "by \(marginal.key)" + (shown.count < marginal.values.count ? " (\(shown.count) of \(marginal.values.count) values)" : "")
            let plot = LearningCurvePlot(
                title: "\(sweep) — \(table.heading): \(label), mean over the other params",
                seriesLabels: shown.map { "\(marginal.key)=\(ReportFormat.value(marginal.values[$0]))" },
                panels: panels(metrics, series: shown.map { members[$0] }))
            var fileName = "table-\(table.number)-curves-\(ReportFormat.slug(marginal.key)).svg"
            if !usedNames.insert(fileName).inserted { fileName = "table-\(table.number)-curves-\(usedNames.count).svg" }
            plots.append(ReportPlot(rowLabel: label, fileName: fileName, svg: plot.svg()))
        }
        return plots
    }

    /// A panel per metric with, per series, the curve across its done jobs and, when asked,
    /// its stopped jobs' own curves.
    private func panels(_ metrics: [String], series: [[Int]], withStopped: Bool = false) -> [LearningCurvePlot.Panel] {
        metrics.map { metric in
            LearningCurvePlot.Panel(
                metric: metric,
                curves: series.map { members in
                    LearningCurve(seeds: members.compactMap { index in
                        jobs[index].state == .done ? jobs[index].metrics[metric] : nil
                    })
                },
                stopped: !withStopped ? [] : series.map { members in
                    members.compactMap { index in
                        jobs[index].state == .stopped ? jobs[index].metrics[metric].flatMap { $0.count > 0 ? $0 : nil } : nil
                    }
                })
        }
    }
}
