import Foundation
import SweepCore

extension ReportTable {
    /// Computes a table from its spec and all jobs of a sweep.
    ///
    /// - Parameters:
    ///   - spec: The layout; an empty `metrics` list means every metric the done jobs recorded.
    ///   - number: 1-based table number.
    ///   - jobs: All jobs of the sweep; the spec's filter selects among them.
    ///   - axisOrder: Declared value order per param; other values follow in natural order.
    init(spec: TableSpec, number: Int, jobs: [ReportJob], axisOrder: [String: [ParamValue]]) {
        let selected = jobs.indices.filter { spec.admits(jobs[$0]) }

        // Which params vary among the selected jobs (a param missing from some jobs varies too).
        var valuesByKey: [String: Set<ParamValue?>] = [:]
        let allKeys = Set(selected.flatMap { jobs[$0].params.keys })
        for key in allKeys {
            valuesByKey[key] = Set(selected.map { jobs[$0].params[key] })
        }
        let placed = Set(spec.rows + spec.columns + [TableSpec.seedKey])
        // A varying param that would put different configurations into one cell becomes a row;
        // one determined by the rows and columns (kan.grid given model) splits no cell.
        var extraRowKeys: [String] = []
        var dependentKeys: [String] = []
        for key in allKeys.filter({ !placed.contains($0) && valuesByKey[$0]!.count > 1 }).sorted() {
            if Self.splitsCells(key, groupedBy: spec.rows + spec.columns + extraRowKeys, jobs: jobs, selected: selected) {
                extraRowKeys.append(key)
            } else {
                dependentKeys.append(key)
            }
        }
        let fixedParams = allKeys.filter { !placed.contains($0) && valuesByKey[$0]!.count == 1 }.sorted()
            .map { (key: $0, value: valuesByKey[$0]!.first!) }
        let rowKeys = spec.rows + extraRowKeys

        // Group jobs by (row, column group); each group is one configuration's seeds.
        struct GroupKey: Hashable {
            var row: [ParamValue?]
            var column: [ParamValue?]
        }
        var groups: [GroupKey: [Int]] = [:]
        for index in selected {
            let job = jobs[index]
            let key = GroupKey(row: rowKeys.map(job.value(of:)), column: spec.columns.map(job.value(of:)))
            groups[key, default: []].append(index)
        }
        let order = ValueOrder(axisOrder: axisOrder)
        let rows = order.sorted(Array(Set(groups.keys.map(\.row))), keys: rowKeys)
        let columnGroups = order.sorted(Array(Set(groups.keys.map(\.column))), keys: spec.columns)

        let recorded = Set(selected.lazy.filter { jobs[$0].state == .done }.flatMap { jobs[$0].metrics.keys })
        let metrics = spec.metrics.isEmpty ? recorded.sorted() : spec.metrics
        let missingMetrics = metrics.filter { $0 != TableSpec.wallTimeMetric && !recorded.contains($0) }
        // Checked against the whole sweep so a typo is told apart from a filter that excludes all.
        let sweepKeys = Set(jobs.lazy.flatMap(\.params.keys))
        let unknownKeys = (spec.rows + spec.columns + spec.filter.keys.sorted())
            .filter { $0 != TableSpec.seedKey && !sweepKeys.contains($0) }

        var cells: [[TableCell]] = []
        var jobIndices: [[[Int]]] = []
        for row in rows {
            var rowCells: [TableCell] = []
            var rowJobs: [[Int]] = []
            for column in columnGroups {
                let members = groups[GroupKey(row: row, column: column)] ?? []
                rowJobs.append(members)
                for metric in metrics {
                    rowCells.append(Self.cell(metric: metric, members: members, jobs: jobs, window: spec.window))
                }
            }
            cells.append(rowCells)
            jobIndices.append(rowJobs)
        }

        self.init(
            spec: spec, number: number, rowKeys: rowKeys, extraRowKeys: extraRowKeys, dependentKeys: dependentKeys, columnKeys: spec.columns,
            metrics: metrics, fixedParams: fixedParams, missingMetrics: missingMetrics, unknownKeys: unknownKeys,
            jobCount: selected.count, rows: rows,
            columnGroups: columnGroups, cells: cells, jobIndices: jobIndices,
            decimals: Self.decimals(spec: spec, metrics: metrics, cells: cells)
        )
    }

    /// Whether jobs that agree on every `groupedBy` key still differ in `key`.
    private static func splitsCells(_ key: String, groupedBy keys: [String], jobs: [ReportJob], selected: [Int]) -> Bool {
        var seen: [[ParamValue?]: ParamValue?] = [:]
        for index in selected {
            let job = jobs[index]
            let group = keys.map(job.value(of:))
            let value = job.value(of: key)
            if let first = seen[group] {
                if first != value { return true }
            } else {
                seen[group] = value
            }
        }
        return false
    }

    /// The cell of one metric over one configuration's jobs: the window mean of a single done
    /// job (± its window sd), or the mean ± sd across several seeds' window means.
    private static func cell(metric: String, members: [Int], jobs: [ReportJob], window: Int) -> TableCell {
        var perSeed: [SampleSummary] = []
        var isShortWindow = false
        var notDone: [JobState: Int] = [:]
        for index in members {
            let job = jobs[index]
            guard job.state == .done else {
                notDone[job.state, default: 0] += 1
                continue
            }
            if metric == TableSpec.wallTimeMetric {
                if let seconds = job.wallTime { perSeed.append(SampleSummary(mean: seconds, sd: nil, count: 1)) }
            } else if let series = job.metrics[metric], let summary = SampleSummary.lastWindow(of: series, window: window) {
                perSeed.append(summary)
                isShortWindow = isShortWindow || summary.count < window
            }
        }
        let summary: SampleSummary?
        let spread: TableCell.Spread
        if perSeed.count >= 2 {
            summary = SampleSummary(perSeed.map(\.mean))
            spread = .seeds
        } else {
            summary = perSeed.first
            spread = .window
        }
        return TableCell(summary: summary, spread: spread, seeds: perSeed.count, jobs: members.count, isShortWindow: isShortWindow, notDone: notDone)
    }

    /// Decimals per metric: the spec's fixed number, else from the largest |mean| in the
    /// metric's cells: 0 from 10 up (123.4 -> 123), 2 from 0.1 up (0.93, 1.0 -> 1.00), then two
    /// significant digits (0.037 -> 3, 0.00037 -> 5); more when the smallest non-zero sd would
    /// print as 0 (0.93 ± 0.002 -> 3 decimals, one significant figure of the sd); at most 6.
    private static func decimals(spec: TableSpec, metrics: [String], cells: [[TableCell]]) -> [Int] {
        metrics.indices.map { metricIndex in
            if let fixed = spec.decimals { return fixed }
            var largest = 0.0
            var smallestSD = Double.infinity
            for row in cells {
                for cellIndex in stride(from: metricIndex, to: row.count, by: metrics.count) {
                    guard let summary = row[cellIndex].summary else { continue }
                    if summary.mean.isFinite { largest = max(largest, abs(summary.mean)) }
                    if let sd = summary.sd, ReportFormat.isVisible(sd, mean: summary.mean) { smallestSD = min(smallestSD, sd) }
                }
            }
            let base = largest >= 10 ? 0 : largest > 0 ? min(6, max(2, 1 - Int(log10(largest).rounded(.down)))) : 2
            guard smallestSD.isFinite, (smallestSD * pow(10, Double(base))).rounded(.toNearestOrAwayFromZero) == 0 else { return base }
            return max(base, ReportFormat.decimals(showing: smallestSD))
        }
    }
}
