
/// An SVG figure of marginals: a panel per swept param, with the main metric's mean over the
/// configurations with each value (a point each, joined by a line) and, where configurations
/// have two or more seeds, a bar of ± the sd across seeds (not the spread over the other
/// params, which is the param's effect mixed with theirs); values evenly spaced in axis
/// order, a continuous param's in quantile bins. Each panel's line is one `<path>`.
struct MarginalPlot {
    var title: String
    var metric: String
    var direction: TableSpec.Direction
    var marginals: [Marginal]

    private static let panelWidth = 420.0
    private static let panelHeight = 260.0
    private static let margin = (left: 64.0, right: 16.0, top: 30.0, bottom: 46.0)
    /// Panels drawn at most (params with the most values are usually the first asked for).
    static let maxPanels = 16

    func svg() -> String {
        let panels = Array(marginals.prefix(Self.maxPanels))
        let columns = min(2, max(1, panels.count))
        let rows = (panels.count + columns - 1) / columns
        let top = 48.0
        var out = TextBuffer(capacity: 8192)
        LearningCurvePlot.open(width: Self.panelWidth * Double(columns), height: top + Self.panelHeight * Double(max(1, rows)), title: title, into: &out)
        let better = direction == .maximize ? "higher" : "lower"
        let hasSeeds = panels.contains { $0.seedSD.contains { $0 != nil } }
        LearningCurvePlot.label("mean \(metric) over the other params, per value; \(better) is better; "
            + (hasSeeds ? "bars: ± sd across seeds" : "one seed per configuration: no error bars"), x: 12, y: 40, anchor: "start", into: &out)
        for (index, marginal) in panels.enumerated() {
            render(marginal, x: Self.panelWidth * Double(index % columns), y: top + Self.panelHeight * Double(index / columns), into: &out)
        }
        out.append("</svg>\n")
        return out.string
    }

    private func render(_ marginal: Marginal, x originX: Double, y originY: Double, into out: inout TextBuffer) {
        let left = originX + Self.margin.left, right = originX + Self.panelWidth - Self.margin.right
        let top = originY + Self.margin.top, bottom = originY + Self.panelHeight - Self.margin.bottom
        var low = Double.infinity, high = -Double.infinity
        for (index, summary) in marginal.summaries.enumerated() {
            guard let summary, summary.mean.isFinite else { continue }
            let spread = index < marginal.seedSD.count ? marginal.seedSD[index] ?? 0 : 0
            low = min(low, summary.mean - spread)
            high = max(high, summary.mean + spread)
        }
        let yAxis = Axis(low: low, high: high, integral: false)
        let count = marginal.values.count
        func px(_ index: Int) -> Double { count == 1 ? (left + right) / 2 : left + 12 + Double(index) / Double(count - 1) * (right - left - 24) }
        func py(_ value: Double) -> Double { bottom - (value - yAxis.low) / (yAxis.high - yAxis.low) * (bottom - top) }

        out.append("<g class=\"panel\">\n")
        LearningCurvePlot.label(marginal.key, x: (left + right) / 2, y: originY + 20, anchor: "middle", into: &out)
        for tick in yAxis.ticks {
            LearningCurvePlot.line(x1: left, y1: py(tick), x2: right, y2: py(tick), style: "stroke=\"#e6e6e6\"", into: &out)
            LearningCurvePlot.label(yAxis.label(tick), x: left - 7, y: py(tick) + 4, anchor: "end", into: &out)
        }
        LearningCurvePlot.line(x1: left, y1: bottom, x2: right, y2: bottom, style: "stroke=\"#333\"", into: &out)
        LearningCurvePlot.line(x1: left, y1: top, x2: left, y2: bottom, style: "stroke=\"#333\"", into: &out)
        // Thin the value labels so neighbours never overlap.
        let longest = Double(min(16, marginal.values.map { ReportFormat.value($0).count }.max() ?? 1))
        let every = max(1, Int(((longest * 6.6 + 8) / max(1e-9, (right - left - 24) / Double(max(1, count - 1)))).rounded(.up)))
        for index in stride(from: 0, to: count, by: every) {
            LearningCurvePlot.label(String(ReportFormat.value(marginal.values[index]).prefix(16)), x: px(index), y: bottom + 16, anchor: "middle", into: &out)
        }
        LearningCurvePlot.label(marginal.key + (marginal.isBinned ? " (quantile bins)" : ""), x: (left + right) / 2, y: bottom + 34, anchor: "middle", into: &out)
        LearningCurvePlot.verticalLabel(metric, x: originX + 16, y: (top + bottom) / 2, into: &out)

        // Bars first, then the line and the points above them.
        for (index, summary) in marginal.summaries.enumerated() {
            guard let summary, summary.mean.isFinite, index < marginal.seedSD.count, let sd = marginal.seedSD[index] else { continue }
            LearningCurvePlot.line(x1: px(index), y1: py(summary.mean - sd), x2: px(index), y2: py(summary.mean + sd), style: "class=\"sd\" stroke=\"#4e79a7\" stroke-opacity=\"0.5\"", into: &out)
        }
        out.append("<path class=\"mean\" fill=\"none\" stroke=\"#4e79a7\" stroke-width=\"1.8\" d=\"")
        var penDown = false
        for (index, summary) in marginal.summaries.enumerated() {
            guard let mean = summary?.mean, mean.isFinite else {
                penDown = false
                continue
            }
            out.append(byte: UInt8(ascii: penDown ? "L" : "M"))
            out.append(px(index), decimals: 2)
            out.append(byte: UInt8(ascii: ","))
            out.append(py(mean), decimals: 2)
            penDown = true
        }
        out.append("\"/>\n")
        if count <= 60 {
            for (index, summary) in marginal.summaries.enumerated() {
                guard let summary, summary.mean.isFinite else { continue }
                out.append("<circle cx=\"")
                out.append(px(index), decimals: 2)
                out.append("\" cy=\"")
                out.append(py(summary.mean), decimals: 2)
                out.append("\" r=\"3\" fill=\"#4e79a7\"><title>")
                let seeds = index < marginal.seedSD.count ? marginal.seedSD[index].map { ", ± \(ReportFormat.number($0, decimals: 3)) across seeds" } ?? "" : ""
                out.append(LearningCurvePlot.escape("\(marginal.key)=\(ReportFormat.value(marginal.values[index])): mean \(ReportFormat.number(summary.mean, decimals: 3)) over \(summary.count) configurations\(seeds)"))
                out.append("</title></circle>\n")
            }
        }
        out.append("</g>\n")
    }
}
