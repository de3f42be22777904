
/// An SVG figure of the optimisation history: each done job's main metric (its mean over the
/// table's window) in the order the jobs started, and the best-so-far line, as Optuna's
/// `plot_optimization_history` draws it. At most `maxPoints` points are drawn (evenly
/// thinned); the best-so-far line is over every job.
struct HistoryPlot {
    var title: String
    var metric: String
    var direction: TableSpec.Direction
    /// Values in start order.
    var values: [Double]

    static let maxPoints = 2_000
    private static let width = 720.0
    private static let height = 360.0
    private static let margin = (left: 70.0, right: 20.0, top: 56.0, bottom: 46.0)

    func svg() -> String {
        var out = TextBuffer(capacity: 16_384)
        LearningCurvePlot.open(width: Self.width, height: Self.height, title: title, into: &out)
        let better = direction == .maximize ? "higher" : "lower"
        LearningCurvePlot.label("\(metric) of each done job in start order, and the best so far; \(better) is better",
                                x: 12, y: 40, anchor: "start", into: &out)
        let finite = values.filter(\.isFinite)
        let left = Self.margin.left, right = Self.width - Self.margin.right
        let top = Self.margin.top, bottom = Self.height - Self.margin.bottom
        let yAxis = Axis(low: finite.min() ?? 0, high: finite.max() ?? 1, integral: false)
        let xAxis = Axis(low: 1, high: Double(max(2, values.count)), integral: true)
        func px(_ trial: Double) -> Double { left + (trial - xAxis.low) / (xAxis.high - xAxis.low) * (right - left) }
        func py(_ value: Double) -> Double { bottom - (value - yAxis.low) / (yAxis.high - yAxis.low) * (bottom - top) }
        for tick in yAxis.ticks {
            LearningCurvePlot.line(x1: left, y1: py(tick), x2: right, y2: py(tick), style: "stroke=\"#e6e6e6\"", into: &out)
            LearningCurvePlot.label(yAxis.label(tick), x: left - 7, y: py(tick) + 4, anchor: "end", into: &out)
        }
        for tick in xAxis.ticks { LearningCurvePlot.label(xAxis.label(tick), x: px(tick), y: bottom + 16, anchor: "middle", into: &out) }
        LearningCurvePlot.line(x1: left, y1: bottom, x2: right, y2: bottom, style: "stroke=\"#333\"", into: &out)
        LearningCurvePlot.line(x1: left, y1: top, x2: left, y2: bottom, style: "stroke=\"#333\"", into: &out)
        LearningCurvePlot.label("job, in start order", x: (left + right) / 2, y: bottom + 34, anchor: "middle", into: &out)
        LearningCurvePlot.verticalLabel(metric, x: 16, y: (top + bottom) / 2, into: &out)

        let step = max(1, (values.count + Self.maxPoints - 1) / Self.maxPoints)
        for index in stride(from: 0, to: values.count, by: step) where values[index].isFinite {
            out.append("<circle class=\"trial\" cx=\"")
            out.append(px(Double(index + 1)), decimals: 2)
            out.append("\" cy=\"")
            out.append(py(values[index]), decimals: 2)
            out.append("\" r=\"2.5\" fill=\"#4e79a7\" fill-opacity=\"0.6\"/>\n")
        }
        // The best so far: a step line, one vertex pair where it improves.
        out.append("<path class=\"best\" fill=\"none\" stroke=\"#e15759\" stroke-width=\"1.8\" d=\"")
        var best: Double?
        for (index, value) in values.enumerated() where value.isFinite {
            let improves = best.map { direction == .maximize ? value > $0 : value < $0 } ?? true
            guard improves else { continue }
            if let best {
                out.append(byte: UInt8(ascii: "L"))
                out.append(px(Double(index + 1)), decimals: 2)
                out.append(byte: UInt8(ascii: ","))
                out.append(py(best), decimals: 2)
            }
            out.append(byte: UInt8(ascii: best == nil ? "M" : "L"))
            out.append(px(Double(index + 1)), decimals: 2)
            out.append(byte: UInt8(ascii: ","))
            out.append(py(value), decimals: 2)
            best = value
        }
        if let best {
            out.append(byte: UInt8(ascii: "L"))
            out.append(px(Double(values.count)), decimals: 2)
            out.append(byte: UInt8(ascii: ","))
            out.append(py(best), decimals: 2)
        }
        out.append("\"/>\n</svg>\n")
        return out.string
    }
}
