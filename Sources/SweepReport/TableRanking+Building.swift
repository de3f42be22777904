
extension TableRanking {
    /// Ranks a table's configurations by its main metric and computes marginals and heatmap.
    ///
    /// - Parameters:
    ///   - table: The table; nil is returned when it has no metric with epochs or values.
    ///   - order: The value order of the report (the spec's axes first).
    /// One pass over the configurations; per-key value positions are looked up once per row
    /// and column group, not per configuration, so 100,000 configurations cost no hashing.
    init?(table: ReportTable, order: ValueOrder) {
        guard let metric = table.metrics.first else { return nil }
        let metricIndex = 0
        let direction = table.spec.direction(of: metric)
        let metricCount = table.metrics.count

        // Every row and column param, and where each row/group's value sits among its values.
        let keys = table.rowKeys + table.columnKeys
        var values: [[ParamValue?]] = []
        var rowPositions: [[Int]] = []    // per key: position of each row's value (key is a row key)
        var groupPositions: [[Int]] = []  // per key: position of each group's value (key is a column key)
        for (keyIndex, key) in keys.enumerated() {
            let isRow = keyIndex < table.rowKeys.count
            let labels = isRow ? table.rows.map { $0[keyIndex] } : table.columnGroups.map { $0[keyIndex - table.rowKeys.count] }
            let distinct = Array(Set(labels)).sorted { order.precedes([$0], [$1], keys: [key]) }
            var position: [ParamValue?: Int] = [:]
            for (index, value) in distinct.enumerated() { position[value] = index }
            let positions = labels.map { position[$0]! }
            values.append(distinct)
            rowPositions.append(isRow ? positions : [])
            groupPositions.append(isRow ? [] : positions)
        }
        let swept = keys.indices.filter { values[$0].count > 1 }

        // The heatmap's axes: the spec's, else the row and the column param when the table has
        // one of each, else the two swept params with the most values (the first of equals).
        var heatmapKeys: (x: Int, y: Int)?
        if let asked = table.spec.heatmap, let y = keys.firstIndex(of: asked[0]), let x = keys.firstIndex(of: asked[1]),
           swept.contains(x), swept.contains(y) {
            heatmapKeys = (x: x, y: y)
        } else if table.rowKeys.count == 1, table.columnKeys.count == 1, swept.count == 2 {
            heatmapKeys = (x: 1, y: 0)
        } else if swept.count >= 2 {
            let byCount = swept.enumerated().sorted { a, b in
                let (countA, countB) = (values[a.element].count, values[b.element].count)
                return countA != countB ? countA > countB : a.offset < b.offset
            }
            let pair = [byCount[0].element, byCount[1].element].sorted()
            // The param with more values goes across, where there is more room.
            heatmapKeys = values[pair[0]].count > values[pair[1]].count ? (x: pair[0], y: pair[1]) : (x: pair[1], y: pair[0])
        }

        // One pass: marginal sums per swept key and value, heatmap sums, candidates for the top.
        var marginalValues: [[[Double]]] = swept.map { Array(repeating: [], count: values[$0].count) }
        let width = heatmapKeys.map { values[$0.x].count } ?? 0
        let height = heatmapKeys.map { values[$0.y].count } ?? 0
        var heatSums = [Double](repeating: 0, count: width * height)
        var heatCounts = [Int](repeating: 0, count: width * height)
        var ranked: [Configuration] = []
        ranked.reserveCapacity(table.rows.count * table.columnGroups.count)
        func position(_ key: Int, row: Int, group: Int) -> Int {
            key < table.rowKeys.count ? rowPositions[key][row] : groupPositions[key][group]
        }
        for row in table.rows.indices {
            let cells = table.cells[row]
            for group in table.columnGroups.indices {
                guard let mean = cells[group * metricCount + metricIndex].summary?.mean, mean.isFinite else { continue }
                ranked.append(Configuration(row: row, group: group, mean: mean))
                for (sweptIndex, key) in swept.enumerated() {
                    marginalValues[sweptIndex][position(key, row: row, group: group)].append(mean)
                }
                if let heatmapKeys {
                    let cell = position(heatmapKeys.y, row: row, group: group) * width + position(heatmapKeys.x, row: row, group: group)
                    heatSums[cell] += mean
                    heatCounts[cell] += 1
                }
            }
        }
        let betterFirst: (Double, Double) -> Bool = direction == .maximize ? { $0 > $1 } : { $0 < $1 }
        // Ties keep table order, so the ranking is deterministic.
        let best = ranked.enumerated().sorted { lhs, rhs in
            lhs.element.mean != rhs.element.mean ? betterFirst(lhs.element.mean, rhs.element.mean) : lhs.offset < rhs.offset
        }.prefix(table.spec.top ?? TableSpec.defaultTop).map(\.element)

        var heatmap: HeatmapGrid?
        if let heatmapKeys {
            let means = (0..<heatSums.count).map { heatCounts[$0] > 0 ? heatSums[$0] / Double(heatCounts[$0]) : .nan }
            var bestCell: Int?
            for cell in means.indices where means[cell].isFinite {
                if let current = bestCell, !betterFirst(means[cell], means[current]) { continue }
                bestCell = cell
            }
            heatmap = HeatmapGrid(
                xKey: keys[heatmapKeys.x], yKey: keys[heatmapKeys.y], xValues: values[heatmapKeys.x], yValues: values[heatmapKeys.y],
                means: means, best: bestCell.map { (x: $0 % width, y: $0 / width) }, averagesOtherParams: swept.count > 2)
        }
        self.init(
            metric: metric, metricIndex: metricIndex, direction: direction, best: Array(best),
            sweptKeys: swept.map { keys[$0] },
            marginals: swept.enumerated().map { sweptIndex, key in
                Marginal(key: keys[key], values: values[key], summaries: marginalValues[sweptIndex].map { SampleSummary($0) })
            },
            heatmap: heatmap, rankedCount: ranked.count)
    }
}
