
/// An SVG figure of parallel coordinates, as Optuna's `plot_parallel_coordinate` draws them:
/// a vertical axis per swept param (log where the param is log-distributed, categories for
/// strings), the main metric as the last axis, and one line per done job through its values,
/// coloured by the metric on the heatmap's viridis scale (bright is better). The best job's
/// line is drawn last, in red.
///
/// Each job is one `<path class="job">`, so a reader can count them.
struct ParallelPlot {
    var title: String
    var points: TrialPoints

    private static let axisGap = 120.0
    private static let margin = (left: 60.0, right: 110.0, top: 90.0, bottom: 44.0)
    private static let plotHeight = 300.0

    func svg() -> String {
        let dimensions = points.dimensions
        let axisCount = dimensions.count + 1
        let better = points.direction == .maximize ? "higher" : "lower"
        let caption = "a line per done job through its params and \(points.metric); colour: \(points.metric), bright is better (\(better)); the best in red"
        // Wide enough for the caption and the title, bounded as both can be long.
        let textWidth = min(1600, 24 + max(Double(title.count) * 8.6, Double(caption.count) * 6.6))
        let width = max(560, Self.margin.left + Self.axisGap * Double(axisCount - 1) + Self.margin.right, textWidth)
        // The axes spread over the width the caption needs, up to twice their usual gap.
        let gap = min(2 * Self.axisGap, (width - Self.margin.left - Self.margin.right) / Double(max(1, axisCount - 1)))
        let top = Self.margin.top, bottom = Self.margin.top + Self.plotHeight
        let height = bottom + Self.margin.bottom
        let (low, high) = points.objectiveRange
        let objectiveAxis = Axis(low: low, high: high, integral: false)
        func ax(_ index: Int) -> Double { Self.margin.left + gap * Double(index) }
        func py(_ position: Double) -> Double { bottom - position * (bottom - top) }
        func objectivePosition(_ value: Double) -> Double { (value - objectiveAxis.low) / (objectiveAxis.high - objectiveAxis.low) }

        var out = TextBuffer(capacity: 4096 + points.objective.count * (24 + axisCount * 16))
        LearningCurvePlot.open(width: width, height: height, title: title, into: &out)
        LearningCurvePlot.label(caption, x: 12, y: 40, anchor: "start", into: &out)
        let count = points.isThinned
            ? "\(points.objective.count) of \(points.totalCount) jobs drawn: the best \(points.bestKept) and an even sample of the rest"
            : "\(points.totalCount) jobs"
        LearningCurvePlot.label(count, x: 12, y: 56, anchor: "start", into: &out)

        // The lines first, worst first, so axes and labels stay readable above them.
        out.append("<g class=\"jobs\" fill=\"none\" stroke-width=\"1\" stroke-opacity=\"0.55\">\n")
        for point in points.objective.indices {
            let value = points.objective[point]
            out.append("<path class=\"job\" stroke=\"")
            HeatmapPlot.appendColour(points.goodness(value), into: &out)
            out.append("\" d=\"")
            appendPath(point, x: ax, y: py, objective: objectivePosition, into: &out)
            out.append("\"/>\n")
        }
        out.append("</g>\n")
        if let best = points.objective.indices.last {
            out.append("<path class=\"best\" fill=\"none\" stroke=\"#e8000b\" stroke-width=\"2.2\" d=\"")
            appendPath(best, x: ax, y: py, objective: objectivePosition, into: &out)
            out.append("\"><title>")
            out.append(LearningCurvePlot.escape("best: job \(points.jobIDs[best]), \(points.metric) \(points.objective[best])"))
            out.append("</title></path>\n")
        }

        // Axes: a line each, its ticks and its name.
        for (index, dimension) in dimensions.enumerated() {
            let x = ax(index)
            LearningCurvePlot.line(x1: x, y1: top, x2: x, y2: bottom, style: "class=\"axis\" stroke=\"#333\"", into: &out)
            for tick in dimension.scale.ticks {
                LearningCurvePlot.line(x1: x - 3, y1: py(tick.position), x2: x, y2: py(tick.position), style: "stroke=\"#333\"", into: &out)
                Self.haloLabel(tick.label, x: x - 5, y: py(tick.position) + 4, anchor: "end", into: &out)
            }
            let name = dimension.key + (dimension.scale.kind == .log ? " (log)" : "")
            LearningCurvePlot.label(String(name.prefix(20)), x: x, y: top - 10, anchor: "middle", into: &out)
        }
        let x = ax(dimensions.count)
        LearningCurvePlot.line(x1: x, y1: top, x2: x, y2: bottom, style: "class=\"axis\" stroke=\"#333\" stroke-width=\"1.5\"", into: &out)
        for tick in objectiveAxis.ticks {
            LearningCurvePlot.line(x1: x, y1: py(objectivePosition(tick)), x2: x + 3, y2: py(objectivePosition(tick)), style: "stroke=\"#333\"", into: &out)
            Self.haloLabel(objectiveAxis.label(tick), x: x + 6, y: py(objectivePosition(tick)) + 4, anchor: "start", into: &out)
        }
        LearningCurvePlot.label(String(points.metric.prefix(20)), x: x, y: top - 10, anchor: "middle", into: &out)
        out.append("</svg>\n")
        return out.string
    }

    /// A tick label on a white outline, readable over the lines it sits on.
    private static func haloLabel(_ text: String, x: Double, y: Double, anchor: String, into out: inout TextBuffer) {
        out.append("<text stroke=\"white\" stroke-width=\"3\" paint-order=\"stroke\" x=\"")
        out.append(x, decimals: 2)
        out.append("\" y=\"")
        out.append(y, decimals: 2)
        out.append("\" text-anchor=\"\(anchor)\">\(LearningCurvePlot.escape(text))</text>\n")
    }

    /// One job's path: a vertex per axis it has a value on; a missing value lifts the pen.
    private func appendPath(_ point: Int, x: (Int) -> Double, y: (Double) -> Double, objective: (Double) -> Double, into out: inout TextBuffer) {
        var penDown = false
        for axis in 0...points.dimensions.count {
            let position = axis < points.dimensions.count
                ? points.dimensions[axis].scale.position(points.dimensions[axis].values[point])
                : objective(points.objective[point])
            guard position.isFinite else {
                penDown = false
                continue
            }
            out.append(byte: UInt8(ascii: penDown ? "L" : "M"))
            out.append(x(axis), decimals: 1)
            out.append(byte: UInt8(ascii: ","))
            out.append(y(position), decimals: 1)
            penDown = true
        }
    }
}
