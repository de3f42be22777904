import SweepCore
import SweepSpec

extension Report {
    /// Learning-curve figures: for every table row, one SVG with a panel per metric and, in
    /// each panel, one series per column group (mean across seeds, ± sd band).
    ///
    /// Only done jobs are drawn, and rows without any are skipped; `wall_time` has no epochs and is not plotted. File names are
    /// `table-<n>-<row values>.svg`, made unique with a numeric suffix when slugs collide.
    public func plots() -> [ReportPlot] {
        var plots: [ReportPlot] = []
        for table in tables {
            let metrics = table.metrics.filter { $0 != TableSpec.wallTimeMetric }
            guard !metrics.isEmpty else { continue }
            var usedNames: Set<String> = []
            for (rowIndex, row) in table.rows.enumerated() {
                let rowLabel = table.rowKeys.isEmpty
                    ? "all jobs"
                    : zip(table.rowKeys, row).map { "\($0)=\(ReportFormat.value($1))" }.joined(separator: ", ")
                let groups = table.jobIndices[rowIndex]
                // A row with nothing done yet would be empty axes: leave it out.
                guard groups.joined().contains(where: { input.jobs[$0].state == .done }) else { continue }
                let labels = zip(table.columnGroups, groups).map { group, members in
                    let label = table.columnKeys.isEmpty ? "mean" : ReportFormat.groupLabel(group)
                    let done = members.filter { input.jobs[$0].state == .done }.count
                    return members.count > 1 ? "\(label) (n=\(done))" : label
                }
                let panels = metrics.map { metric in
                    LearningCurvePlot.Panel(metric: metric, curves: groups.map { members in
                        LearningCurve(seeds: members.compactMap { index in
                            input.jobs[index].state == .done ? input.jobs[index].metrics[metric] : nil
                        })
                    })
                }
                let plot = LearningCurvePlot(
                    title: "\(input.sweep) — \(table.heading): \(rowLabel)", seriesLabels: labels, panels: panels
                )
                let base = "table-\(table.number)-" + (table.rowKeys.isEmpty ? "all" : ReportFormat.slug(row.map(ReportFormat.value).joined(separator: "-")))
                var fileName = base + ".svg"
                var suffix = 2
                while usedNames.contains(fileName) {
                    fileName = "\(base)-\(suffix).svg"
                    suffix += 1
                }
                usedNames.insert(fileName)
                plots.append(ReportPlot(tableNumber: table.number, rowLabel: rowLabel, fileName: fileName, svg: plot.svg()))
            }
        }
        return plots
    }
}
