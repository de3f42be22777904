import SweepCore

extension ReportTable {
    /// The table's paired differences, in the order its spec lists them.
    func differences(jobs: [ReportJob]) -> [TableDifference] {
        spec.differences.map { difference in
            switch difference {
            case .param(let key, let value, let other):
                return paramDifference(difference, key: key, value: value, other: other, jobs: jobs)
            case .metrics(let metric, let other):
                return metricDifference(difference, metric: metric, other: other, jobs: jobs)
            }
        }
    }

    /// `value − other` of `key`: each cell whose label is `value` is paired with the cell that
    /// differs from it only by having `other`, and their jobs by seed.
    private func paramDifference(
        _ difference: TableSpec.Difference, key: String, value: JSONValue, other: JSONValue, jobs: [ReportJob]
    ) -> TableDifference {
        let rowSlot = rowKeys.firstIndex(of: key)
        let columnSlot = columnKeys.firstIndex(of: key)
        var keys = rowKeys + columnKeys
        keys.removeAll { $0 == key }
        guard rowSlot != nil || columnSlot != nil else {
            return TableDifference(
                difference: difference, keys: keys, lines: [],
                note: "`\(key)` has one value in this table (or none), so there is nothing to compare; put it in rows or columns")
        }
        // Cells by their labels without the compared param, then by its value.
        struct Place: Hashable {
            var row: [ParamValue?]
            var column: [ParamValue?]
        }
        func place(_ row: Int, _ group: Int) -> Place {
            var place = Place(row: rows[row], column: columnGroups[group])
            if let rowSlot { place.row[rowSlot] = nil }
            if let columnSlot { place.column[columnSlot] = nil }
            return place
        }
        func label(_ row: Int, _ group: Int) -> ParamValue? {
            if let rowSlot { return rows[row][rowSlot] }
            return columnGroups[group][columnSlot!]
        }
        var counterparts: [Place: (row: Int, group: Int)] = [:]
        for row in rows.indices {
            for group in columnGroups.indices where ParamValue.matches(label(row, group), other) {
                counterparts[place(row, group)] = (row, group)
            }
        }
        let cells = rows.indices.flatMap { row in columnGroups.indices.map { (row, $0) } }
        for side in [value, other] where !cells.contains(where: { ParamValue.matches(label($0.0, $0.1), side) }) {
            return TableDifference(
                difference: difference, keys: keys, lines: [],
                note: "no job of this table has `\(key)` = \(ReportFormat.filterValue(side)), so there is nothing to compare")
        }
        var lines: [TableDifference.Line] = []
        for row in rows.indices {
            for group in columnGroups.indices where ParamValue.matches(label(row, group), value) {
                let partner = counterparts[place(row, group)]
                var labels = rows[row] + columnGroups[group]
                labels.remove(at: rowSlot ?? rowKeys.count + columnSlot!)
                for metric in metrics {
                    let first = seedMeans(jobIndices[row][group], metric: metric, jobs: jobs)
                    let second = partner.map { seedMeans(jobIndices[$0.row][$0.group], metric: metric, jobs: jobs) } ?? [:]
                    let pairs = first.keys.filter { second[$0] != nil }.sorted().map { (first[$0]!, second[$0]!) }
                    let unpaired = first.count + second.count - 2 * pairs.count
                    lines.append(Self.line(labels: labels, metric: metric, pairs: pairs, unpaired: unpaired))
                }
            }
        }
        return TableDifference(difference: difference, keys: keys, lines: lines, note: nil)
    }

    /// `metric − other` within each done job of every cell.
    private func metricDifference(_ difference: TableSpec.Difference, metric: String, other: String, jobs: [ReportJob]) -> TableDifference {
        var lines: [TableDifference.Line] = []
        for row in rows.indices {
            for group in columnGroups.indices {
                let first = seedMeans(jobIndices[row][group], metric: metric, jobs: jobs)
                let second = seedMeans(jobIndices[row][group], metric: other, jobs: jobs)
                let pairs = first.keys.filter { second[$0] != nil }.sorted().map { (first[$0]!, second[$0]!) }
                let unpaired = first.count + second.count - 2 * pairs.count
                lines.append(Self.line(labels: rows[row] + columnGroups[group], metric: metric, pairs: pairs, unpaired: unpaired))
            }
        }
        return TableDifference(difference: difference, keys: rowKeys + columnKeys, lines: lines, note: nil)
    }

    /// Each done job's window mean of `metric`, by seed.
    private func seedMeans(_ members: [Int], metric: String, jobs: [ReportJob]) -> [Int: Double] {
        var means: [Int: Double] = [:]
        for index in members where jobs[index].state == .done {
            let job = jobs[index]
            if metric == TableSpec.wallTimeMetric {
                means[job.seed] = job.wallTime
            } else if let series = job.metrics[metric], let summary = SampleSummary.lastWindow(of: series, window: spec.window) {
                means[job.seed] = summary.mean
            }
        }
        return means
    }

    private static func line(labels: [ParamValue?], metric: String, pairs: [(Double, Double)], unpaired: Int) -> TableDifference.Line {
        let summary = SampleSummary(pairs.map { $0.0 - $0.1 })
        let relative = pairs.contains { $0.1 == 0 } ? nil : SampleSummary(pairs.map { ($0.0 - $0.1) / abs($0.1) })
        return TableDifference.Line(
            labels: labels, metric: metric, summary: summary, relative: relative, interval: summary?.meanInterval95, unpaired: unpaired)
    }
}
