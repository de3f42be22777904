
/// An SVG figure of the main metric against each swept param, as Optuna's `plot_slice`
/// draws it: a panel per param, a point per done job (log x axis where the param is
/// log-distributed; categories spread a little sideways so equal values do not hide each
/// other), the same metric axis in every panel, and the best job outlined in red.
///
/// Each panel's points are `<circle>`s in one `<g class="points">`.
struct ScatterPlot {
    var title: String
    var points: TrialPoints

    private static let panelWidth = 380.0
    private static let panelHeight = 250.0
    private static let margin = (left: 64.0, right: 16.0, top: 28.0, bottom: 44.0)
    private static let columns = 3

    func svg() -> String {
        let dimensions = points.dimensions
        let columns = min(Self.columns, max(1, dimensions.count))
        let rows = (dimensions.count + columns - 1) / columns
        let top = 64.0
        var out = TextBuffer(capacity: 4096 + dimensions.count * points.objective.count * 40)
        LearningCurvePlot.open(width: max(560, Self.panelWidth * Double(columns)), height: top + Self.panelHeight * Double(max(1, rows)), title: title, into: &out)
        let better = points.direction == .maximize ? "higher" : "lower"
        LearningCurvePlot.label("\(points.metric) of each done job against each param; \(better) is better, the best outlined in red",
                                x: 12, y: 40, anchor: "start", into: &out)
        LearningCurvePlot.label(points.isThinned
            ? "\(points.objective.count) of \(points.totalCount) jobs drawn: the best \(points.bestKept) and an even sample of the rest"
            : "\(points.totalCount) jobs", x: 12, y: 56, anchor: "start", into: &out)
        let (low, high) = points.objectiveRange
        let yAxis = Axis(low: low, high: high, integral: false)
        for (index, dimension) in dimensions.enumerated() {
            render(dimension, yAxis: yAxis, x: Self.panelWidth * Double(index % columns), y: top + Self.panelHeight * Double(index / columns), into: &out)
        }
        out.append("</svg>\n")
        return out.string
    }

    private func render(_ dimension: TrialPoints.Dimension, yAxis: Axis, x originX: Double, y originY: Double, into out: inout TextBuffer) {
        let left = originX + Self.margin.left, right = originX + Self.panelWidth - Self.margin.right
        let top = originY + Self.margin.top, bottom = originY + Self.panelHeight - Self.margin.bottom
        func px(_ position: Double) -> Double { left + 6 + position * (right - left - 12) }
        func py(_ value: Double) -> Double { bottom - (value - yAxis.low) / (yAxis.high - yAxis.low) * (bottom - top) }

        out.append("<g class=\"panel\">\n")
        for tick in yAxis.ticks {
            LearningCurvePlot.line(x1: left, y1: py(tick), x2: right, y2: py(tick), style: "stroke=\"#e6e6e6\"", into: &out)
            LearningCurvePlot.label(yAxis.label(tick), x: left - 7, y: py(tick) + 4, anchor: "end", into: &out)
        }
        LearningCurvePlot.line(x1: left, y1: bottom, x2: right, y2: bottom, style: "stroke=\"#333\"", into: &out)
        LearningCurvePlot.line(x1: left, y1: top, x2: left, y2: bottom, style: "stroke=\"#333\"", into: &out)
        for tick in dimension.scale.ticks {
            LearningCurvePlot.line(x1: px(tick.position), y1: bottom, x2: px(tick.position), y2: bottom + 3, style: "stroke=\"#333\"", into: &out)
            LearningCurvePlot.label(tick.label, x: px(tick.position), y: bottom + 15, anchor: "middle", into: &out)
        }
        let name = dimension.key + (dimension.scale.kind == .log ? " (log scale)" : "")
        LearningCurvePlot.label(String(name.prefix(40)), x: (left + right) / 2, y: bottom + 33, anchor: "middle", into: &out)
        LearningCurvePlot.verticalLabel(String(points.metric.prefix(30)), x: originX + 16, y: (top + bottom) / 2, into: &out)

        // Categories: a deterministic sideways spread of up to a third of a category's width.
        let spread = dimension.scale.categoryWidth / 3
        out.append("<g class=\"points\" fill=\"#4e79a7\" fill-opacity=\"0.5\">\n")
        var bestPosition: (x: Double, y: Double)?
        for point in points.objective.indices {
            var position = dimension.scale.position(dimension.values[point])
            let value = points.objective[point]
            guard position.isFinite, value.isFinite else { continue }
            if spread > 0 {
                let hash = UInt64(truncatingIfNeeded: point) &* 0x9E37_79B9_7F4A_7C15
                position += (Double(hash >> 11) / Double(1 << 53) - 0.5) * spread
            }
            out.append("<circle cx=\"")
            out.append(px(position), decimals: 1)
            out.append("\" cy=\"")
            out.append(py(value), decimals: 1)
            out.append("\" r=\"2.5\"/>\n")
            if point == points.objective.count - 1 { bestPosition = (px(position), py(value)) }
        }
        out.append("</g>\n")
        if let bestPosition {
            out.append("<circle class=\"best\" cx=\"")
            out.append(bestPosition.x, decimals: 1)
            out.append("\" cy=\"")
            out.append(bestPosition.y, decimals: 1)
            out.append("\" r=\"4.5\" fill=\"none\" stroke=\"#e8000b\" stroke-width=\"1.8\"/>\n")
        }
        out.append("</g>\n")
    }
}
