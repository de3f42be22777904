import Foundation

extension TableRanking {
    /// Ranks a table's configurations by its main metric and computes marginals and heatmap.
    ///
    /// - Parameters:
    ///   - table: The table; nil is returned when it has no metric with epochs or values.
    ///   - order: The value order of the report (the spec's axes first).
    /// One pass over the configurations; per-key value positions are looked up once per row
    /// and column group, not per configuration, so 100,000 configurations cost no hashing.
    ///   - main: The metric to rank by when the table has it (the objective); else its first.
    ///   - jobs: The report's jobs, given for a search: its params that vary with the rows
    ///     (`dependentKeys`: in a random search, all but the first) then get marginals too.
    init?(table: ReportTable, order: ValueOrder, main: String? = nil, jobs: [ReportJob]? = nil) {
        guard !table.metrics.isEmpty else { return nil }
        let metricIndex = main.flatMap { table.metrics.firstIndex(of: $0) } ?? 0
        let metric = table.metrics[metricIndex]
        let direction = table.spec.direction(of: metric)
        let metricCount = table.metrics.count

        // Every row and column param, and where each row/group's value sits among its values.
        let placedCount = table.rowKeys.count + table.columnKeys.count
        let keys = table.rowKeys + table.columnKeys + (jobs == nil ? [] : table.dependentKeys)
        var values: [[ParamValue?]] = []
        var rowPositions: [[Int]] = []    // per key: position of each row's value (key is a row key)
        var groupPositions: [[Int]] = []  // per key: position of each group's value (key is a column key)
        var configurationPositions: [[Int]] = []  // per dependent key: position per row * groups + group
        let groupCount = table.columnGroups.count
        for (keyIndex, key) in keys.enumerated() where keyIndex < placedCount {
            let isRow = keyIndex < table.rowKeys.count
            let labels = isRow ? table.rows.map { $0[keyIndex] } : table.columnGroups.map { $0[keyIndex - table.rowKeys.count] }
            let distinct = order.sortedDistinct(labels, key: key)
            var position: [ParamValue?: Int] = [:]
            for (index, value) in distinct.enumerated() { position[value] = index }
            let positions = labels.map { position[$0]! }
            values.append(distinct)
            rowPositions.append(isRow ? positions : [])
            groupPositions.append(isRow ? [] : positions)
        }
        for key in keys.dropFirst(placedCount) {
            // A dependent param has one value per configuration: its first job's.
            var labels: [ParamValue?] = []
            labels.reserveCapacity(table.rows.count * groupCount)
            for row in table.jobIndices {
                for members in row { labels.append(members.first.flatMap { jobs?[$0].value(of: key) }) }
            }
            let distinct = order.sortedDistinct(labels, key: key)
            var position: [ParamValue?: Int] = [:]
            for (index, value) in distinct.enumerated() { position[value] = index }
            values.append(distinct)
            configurationPositions.append(labels.map { position[$0]! })
        }
        let swept = keys.indices.filter { values[$0].count > 1 }
        // A continuous param (many distinct numbers, about one configuration each) would make a
        // mostly empty heatmap and a marginal of n=1 points: it is binned, and left out of the
        // heatmap (the search plots show it).
        let configurationCount = table.rows.count * table.columnGroups.count
        let continuous = Set(swept.filter { key in
            values[key].count > Self.maxLevels && values[key].count * 2 > configurationCount
                && values[key].allSatisfy { $0?.numericValue?.isFinite == true }
        })

        // The heatmap's axes: the spec's, else the row and the column param when the table has
        // one of each, else the two swept params with the most values (the first of equals).
        var heatmapKeys: (x: Int, y: Int)?
        if let asked = table.spec.heatmap, let y = keys.firstIndex(of: asked[0]), let x = keys.firstIndex(of: asked[1]),
           swept.contains(x), swept.contains(y) {
            heatmapKeys = (x: x, y: y)
        } else if table.rowKeys.count == 1, table.columnKeys.count == 1, swept.count == 2, continuous.isEmpty {
            heatmapKeys = (x: 1, y: 0)
        } else if swept.filter({ $0 < placedCount && !continuous.contains($0) }).count >= 2 {
            // Dependent params vary with the rows already: a heatmap over one repeats them.
            let byCount = swept.filter { $0 < placedCount && !continuous.contains($0) }.enumerated().sorted { a, b in
                let (countA, countB) = (values[a.element].count, values[b.element].count)
                return countA != countB ? countA > countB : a.offset < b.offset
            }
            let pair = [byCount[0].element, byCount[1].element].sorted()
            // The param with more values goes across, where there is more room.
            heatmapKeys = values[pair[0]].count > values[pair[1]].count ? (x: pair[0], y: pair[1]) : (x: pair[1], y: pair[0])
        }

        // One pass: marginal sums per swept key and value, heatmap sums, candidates for the top.
        var marginalValues: [[[Double]]] = swept.map { Array(repeating: [], count: values[$0].count) }
        // Per swept key and value: the sum of squared sds across seeds, and how many configurations.
        var seedSquares: [[Double]] = swept.map { Array(repeating: 0, count: values[$0].count) }
        var seedCounts: [[Int]] = swept.map { Array(repeating: 0, count: values[$0].count) }
        let width = heatmapKeys.map { values[$0.x].count } ?? 0
        let height = heatmapKeys.map { values[$0.y].count } ?? 0
        var heatSums = [Double](repeating: 0, count: width * height)
        var heatCounts = [Int](repeating: 0, count: width * height)
        var ranked: [Configuration] = []
        ranked.reserveCapacity(table.rows.count * table.columnGroups.count)
        func position(_ key: Int, row: Int, group: Int) -> Int {
            key < table.rowKeys.count ? rowPositions[key][row]
                : key < placedCount ? groupPositions[key][group] : configurationPositions[key - placedCount][row * groupCount + group]
        }
        for row in table.rows.indices {
            let cells = table.cells[row]
            for group in table.columnGroups.indices {
                let cell = cells[group * metricCount + metricIndex]
                guard let mean = cell.summary?.mean, mean.isFinite else { continue }
                ranked.append(Configuration(row: row, group: group, mean: mean))
                let seedSD = cell.spread == .seeds ? cell.summary?.sd.flatMap { $0.isFinite ? $0 : nil } : nil
                for (sweptIndex, key) in swept.enumerated() {
                    let at = position(key, row: row, group: group)
                    marginalValues[sweptIndex][at].append(mean)
                    if let seedSD {
                        seedSquares[sweptIndex][at] += seedSD * seedSD
                        seedCounts[sweptIndex][at] += 1
                    }
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
                means: means, best: bestCell.map { (x: $0 % width, y: $0 / width) }, averagesOtherParams: swept.filter { $0 < placedCount }.count > 2)
        }
        self.init(
            metric: metric, metricIndex: metricIndex, direction: direction, best: Array(best),
            sweptKeys: swept.map { keys[$0] },
            marginals: swept.enumerated().map { sweptIndex, key in
                let marginal = Marginal(
                    key: keys[key], values: values[key], summaries: marginalValues[sweptIndex].map { SampleSummary($0) },
                    seedSD: zip(seedSquares[sweptIndex], seedCounts[sweptIndex]).map { $1 > 0 ? ($0 / Double($1)).squareRoot() : nil })
                return continuous.contains(key)
                    ? Self.binned(marginal, means: marginalValues[sweptIndex], seedSquares: seedSquares[sweptIndex], seedCounts: seedCounts[sweptIndex])
                    : marginal
            },
            heatmap: heatmap, rankedCount: ranked.count)
    }

    /// Distinct values a param may have and still get a cell or point of its own in heatmaps and
    /// marginals when it has about one configuration per value.
    static let maxLevels = 24
    /// Bins of a continuous param's marginal.
    static let binCount = 8

    /// A continuous param's marginal in `binCount` ranges of consecutive values holding about
    /// equal numbers of configurations (quantile bins; a value never straddles two).
    static func binned(_ marginal: Marginal, means: [[Double]], seedSquares: [Double], seedCounts: [Int]) -> Marginal {
        let total = means.reduce(0) { $0 + $1.count }
        var result = Marginal(key: marginal.key, values: [], summaries: [], seedSD: [], isBinned: true)
        var members: [Double] = [], squares = 0.0, seeds = 0, first: Double?, last = 0.0, seen = 0
        func close() {
            guard let low = first else { return }
            result.values.append(.string(low == last ? Self.short(low) : Self.short(low) + "–" + Self.short(last)))
            result.summaries.append(SampleSummary(members))
            result.seedSD.append(seeds > 0 ? (squares / Double(seeds)).squareRoot() : nil)
            (members, squares, seeds, first) = ([], 0, 0, nil)
        }
        for (index, value) in marginal.values.enumerated() {
            guard let number = value?.numericValue else { continue }
            if first == nil { first = number }
            last = number
            members += means[index]
            squares += seedSquares[index]
            seeds += seedCounts[index]
            seen += means[index].count
            // Close the bin once it reaches its share of the configurations seen so far.
            if seen * binCount >= total * (result.values.count + 1) { close() }
        }
        close()
        return result
    }

    /// Three significant digits: `0.000123`, `1.23e-05`, `0.5`, `128`.
    private static func short(_ value: Double) -> String {
        var text = String(format: "%.3g", value)
        if text.contains("e") { text = text.replacingOccurrences(of: "e-0", with: "e-").replacingOccurrences(of: "e+0", with: "e").replacingOccurrences(of: "e+", with: "e") }
        return text
    }
}
