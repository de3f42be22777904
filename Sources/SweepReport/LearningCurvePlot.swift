import Foundation

/// An SVG figure of learning curves: one panel per metric (metric vs epoch), one series per
/// label with its mean line and a ± sd band across seeds, a shared legend, and axes with
/// ticks and labels. Plain SVG 1.1: no scripts, no external resources.
///
/// Every series is exactly one `<path class="mean">` (its mean line over done jobs); a job a
/// stop rule ended is one dashed `<path class="stopped">` of its own in its series' colour,
/// ending at its last epoch with a dot (its runs are not averaged: each stopped somewhere
/// else). Bands are `<polygon>`s and axes `<line>`s, so a reader can count series by
/// counting paths of a class.
struct LearningCurvePlot {
    /// One panel: a metric and, per legend entry, its curve (nil when it has no data) and
    /// the curves of its stopped jobs (at most `maxStoppedPerSeries` are drawn).
    struct Panel {
        var metric: String
        var curves: [LearningCurve?]
        var stopped: [[MetricSeries]] = []
    }

    /// Stopped jobs drawn per series and panel: a row's seeds, bounded.
    static let maxStoppedPerSeries = 20

    /// The figure's caption.
    var title: String
    /// Legend labels; `panels[p].curves[i]` is drawn in the style of `seriesLabels[i]`.
    var seriesLabels: [String]
    /// The panels, laid out left to right, two per line.
    var panels: [Panel]

    private static let panelWidth = 420.0
    private static let panelHeight = 280.0
    private static let margin = (left: 64.0, right: 16.0, top: 30.0, bottom: 46.0)
    private static let legendLine = 18.0
    /// Tableau 10: distinguishable, print- and colour-blind-friendly enough for ten series.
    private static let palette = [
        "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
    ]
    /// A stopped job's line: shorter dashes than any series' pattern.
    private static let stoppedDash = "3 2"
    /// Beyond ten series the colours repeat with these dash patterns.
    private static let dashes = ["", "6 3", "2 2", "8 3 2 3"]

    /// The figure as an SVG document.
    func svg() -> String {
        let columns = min(2, max(1, panels.count))
        let panelRows = (panels.count + columns - 1) / columns
        let legendTop = 36.0
        let hasStopped = panels.contains { $0.stopped.contains { !$0.isEmpty } }
        let legendRows = seriesLabels.count + (hasStopped ? 1 : 0)
        let panelsTop = legendTop + Self.legendLine * Double(legendRows) + 8
        let width = Self.panelWidth * Double(columns)
        let height = panelsTop + Self.panelHeight * Double(max(1, panelRows))

        var out = TextBuffer(capacity: 16384)
        Self.open(width: width, height: height, title: title, into: &out)
        out.append("<g class=\"legend\">\n")
        for (index, label) in seriesLabels.enumerated() {
            let y = legendTop + Self.legendLine * Double(index) + 9
            out.append("<line x1=\"14\" x2=\"40\" y1=\"")
            out.append(y, decimals: 1)
            out.append("\" y2=\"")
            out.append(y, decimals: 1)
            out.append("\" stroke-width=\"2.5\"\(Self.stroke(index))/>")
            out.append("<text x=\"46\" y=\"")
            out.append(y + 4, decimals: 1)
            out.append("\">\(Self.escape(label))</text>\n")
        }
        if hasStopped {
            let y = legendTop + Self.legendLine * Double(seriesLabels.count) + 9
            out.append("<line x1=\"14\" x2=\"40\" y1=\"")
            out.append(y, decimals: 1)
            out.append("\" y2=\"")
            out.append(y, decimals: 1)
            out.append("\" stroke-width=\"1.4\" stroke=\"#555\" stroke-dasharray=\"\(Self.stoppedDash)\"/>")
            out.append("<circle cx=\"40\" cy=\"")
            out.append(y, decimals: 1)
            out.append("\" r=\"2.5\" fill=\"#555\"/><text x=\"46\" y=\"")
            out.append(y + 4, decimals: 1)
            out.append("\">stopped early: one job each, to its last epoch</text>\n")
        }
        out.append("</g>\n")

        for (index, panel) in panels.enumerated() {
            let x = Self.panelWidth * Double(index % columns)
            let y = panelsTop + Self.panelHeight * Double(index / columns)
            render(panel, number: index, x: x, y: y, into: &out)
        }
        out.append("</svg>\n")
        return out.string
    }

    private func render(_ panel: Panel, number: Int, x originX: Double, y originY: Double, into out: inout TextBuffer) {
        let left = originX + Self.margin.left
        let right = originX + Self.panelWidth - Self.margin.right
        let top = originY + Self.margin.top
        let bottom = originY + Self.panelHeight - Self.margin.bottom

        // Data ranges: epochs on x; mean ± sd on y.
        var epochRange = (low: Double.infinity, high: -Double.infinity)
        var valueRange = (low: Double.infinity, high: -Double.infinity)
        for curve in panel.curves.compactMap({ $0 }) {
            for index in curve.epochs.indices where curve.means[index].isFinite {
                let epoch = Double(curve.epochs[index])
                epochRange = (min(epochRange.low, epoch), max(epochRange.high, epoch))
                let spread = curve.sds[index].isFinite ? curve.sds[index] : 0
                valueRange = (min(valueRange.low, curve.means[index] - spread), max(valueRange.high, curve.means[index] + spread))
            }
        }
        for run in panel.stopped.lazy.flatMap({ $0.prefix(Self.maxStoppedPerSeries) }) {
            for index in 0..<run.count where run.values[index].isFinite {
                let epoch = Double(run.epochs[index])
                epochRange = (min(epochRange.low, epoch), max(epochRange.high, epoch))
                valueRange = (min(valueRange.low, run.values[index]), max(valueRange.high, run.values[index]))
            }
        }
        let xAxis = Axis(low: epochRange.low, high: epochRange.high, integral: true, endsAtData: true)
        let yAxis = Axis(low: valueRange.low, high: valueRange.high, integral: false)
        func px(_ epoch: Double) -> Double { left + (epoch - xAxis.low) / (xAxis.high - xAxis.low) * (right - left) }
        func py(_ value: Double) -> Double { bottom - (value - yAxis.low) / (yAxis.high - yAxis.low) * (bottom - top) }

        out.append("<g class=\"panel\">\n")
        out.append("<text x=\"")
        out.append((left + right) / 2, decimals: 1)
        out.append("\" y=\"")
        out.append(originY + 20, decimals: 1)
        out.append("\" text-anchor=\"middle\" font-size=\"12\" font-weight=\"bold\">\(Self.escape(panel.metric))</text>\n")
        out.append("<clipPath id=\"plot-area-\(number)\"><rect x=\"")
        out.append(left, decimals: 1)
        out.append("\" y=\"")
        out.append(top, decimals: 1)
        out.append("\" width=\"")
        out.append(right - left, decimals: 1)
        out.append("\" height=\"")
        out.append(bottom - top, decimals: 1)
        out.append("\"/></clipPath>\n")

        // Grid, ticks and tick labels.
        for tick in xAxis.ticks {
            let position = px(tick)
            Self.line(x1: position, y1: top, x2: position, y2: bottom, style: "stroke=\"#e6e6e6\"", into: &out)
            Self.line(x1: position, y1: bottom, x2: position, y2: bottom + 4, style: "stroke=\"#333\"", into: &out)
            Self.label(xAxis.label(tick), x: position, y: bottom + 16, anchor: "middle", into: &out)
        }
        for tick in yAxis.ticks {
            let position = py(tick)
            Self.line(x1: left, y1: position, x2: right, y2: position, style: "stroke=\"#e6e6e6\"", into: &out)
            Self.line(x1: left - 4, y1: position, x2: left, y2: position, style: "stroke=\"#333\"", into: &out)
            Self.label(yAxis.label(tick), x: left - 7, y: position + 4, anchor: "end", into: &out)
        }
        Self.line(x1: left, y1: bottom, x2: right, y2: bottom, style: "stroke=\"#333\"", into: &out)
        Self.line(x1: left, y1: top, x2: left, y2: bottom, style: "stroke=\"#333\"", into: &out)
        Self.label("epoch", x: (left + right) / 2, y: bottom + 34, anchor: "middle", into: &out)
        Self.verticalLabel(panel.metric, x: originX + 16, y: (top + bottom) / 2, into: &out)

        // Bands first so every mean line is drawn above every band.
        out.append("<g clip-path=\"url(#plot-area-\(number))\">\n")
        for (series, curve) in panel.curves.enumerated() {
            guard let curve, curve.seeds > 1 else { continue }
            out.append("<polygon class=\"band\" fill=\"\(Self.colour(series))\" fill-opacity=\"0.18\" stroke=\"none\" points=\"")
            var first = true
            for index in curve.epochs.indices where curve.means[index].isFinite {
                point(px(Double(curve.epochs[index])), py(curve.means[index] + (curve.sds[index].isFinite ? curve.sds[index] : 0)), first: &first, into: &out)
            }
            for index in curve.epochs.indices.reversed() where curve.means[index].isFinite {
                point(px(Double(curve.epochs[index])), py(curve.means[index] - (curve.sds[index].isFinite ? curve.sds[index] : 0)), first: &first, into: &out)
            }
            out.append("\"/>\n")
        }
        for (series, curve) in panel.curves.enumerated() {
            guard let curve else { continue }
            out.append("<path class=\"mean\" fill=\"none\" stroke-width=\"1.8\"\(Self.stroke(series)) d=\"")
            var penDown = false
            for index in curve.epochs.indices {
                guard curve.means[index].isFinite else {
                    penDown = false  // a gap (NaN) breaks the line rather than joining across it
                    continue
                }
                out.append(byte: UInt8(ascii: penDown ? "L" : "M"))
                out.append(px(Double(curve.epochs[index])), decimals: 2)
                out.append(byte: UInt8(ascii: ","))
                out.append(py(curve.means[index]), decimals: 2)
                penDown = true
            }
            out.append("\"><title>\(Self.escape(seriesLabels[series]))</title></path>\n")
        }
        // Stopped jobs above the means: they are short, and where they end is the point.
        for (series, runs) in panel.stopped.enumerated() {
            for run in runs.prefix(Self.maxStoppedPerSeries) {
                out.append("<path class=\"stopped\" fill=\"none\" stroke-width=\"1.4\" stroke=\"\(Self.colour(series))\" "
                    + "stroke-dasharray=\"\(Self.stoppedDash)\" d=\"")
                var penDown = false
                var end: (x: Double, y: Double, epoch: Int32)?
                for index in 0..<run.count {
                    guard run.values[index].isFinite else {
                        penDown = false
                        continue
                    }
                    let x = px(Double(run.epochs[index])), y = py(run.values[index])
                    out.append(byte: UInt8(ascii: penDown ? "L" : "M"))
                    out.append(x, decimals: 2)
                    out.append(byte: UInt8(ascii: ","))
                    out.append(y, decimals: 2)
                    penDown = true
                    end = (x, y, run.epochs[index])
                }
                let label = Self.escape(seriesLabels[series]) + (end.map { ", stopped at epoch \($0.epoch)" } ?? ", stopped")
                out.append("\"><title>\(label)</title></path>\n")
                if let end {
                    out.append("<circle class=\"stop-end\" cx=\"")
                    out.append(end.x, decimals: 2)
                    out.append("\" cy=\"")
                    out.append(end.y, decimals: 2)
                    out.append("\" r=\"2.5\" fill=\"\(Self.colour(series))\"/>\n")
                }
            }
        }
        out.append("</g>\n</g>\n")
    }

    private func point(_ x: Double, _ y: Double, first: inout Bool, into out: inout TextBuffer) {
        if !first { out.append(byte: UInt8(ascii: " ")) }
        first = false
        out.append(x, decimals: 2)
        out.append(byte: UInt8(ascii: ","))
        out.append(y, decimals: 2)
    }

    /// The document's start: XML declaration, `<svg>` of the size, title, white background
    /// and the caption.
    static func open(width: Double, height: Double, title: String, into out: inout TextBuffer) {
        out.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
        out.append("<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"")
        out.append(width, decimals: 0)
        out.append("\" height=\"")
        out.append(height, decimals: 0)
        out.append("\" viewBox=\"0 0 ")
        out.append(width, decimals: 0)
        out.append(" ")
        out.append(height, decimals: 0)
        out.append("\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"11\">\n")
        out.append("<title>\(escape(title))</title>\n")
        out.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n")
        out.append("<text x=\"12\" y=\"22\" font-size=\"14\" font-weight=\"bold\">\(escape(title))</text>\n")
    }

    static func line(x1: Double, y1: Double, x2: Double, y2: Double, style: String, into out: inout TextBuffer) {
        out.append("<line x1=\"")
        out.append(x1, decimals: 2)
        out.append("\" y1=\"")
        out.append(y1, decimals: 2)
        out.append("\" x2=\"")
        out.append(x2, decimals: 2)
        out.append("\" y2=\"")
        out.append(y2, decimals: 2)
        out.append("\" \(style)/>\n")
    }

    /// An axis title turned to read upwards, centred on (x, y).
    static func verticalLabel(_ text: String, x: Double, y: Double, into out: inout TextBuffer) {
        out.append("<text transform=\"translate(")
        out.append(x, decimals: 1)
        out.append(" ")
        out.append(y, decimals: 1)
        out.append(") rotate(-90)\" text-anchor=\"middle\">\(escape(text))</text>\n")
    }

    static func label(_ text: String, x: Double, y: Double, anchor: String, into out: inout TextBuffer) {
        out.append("<text x=\"")
        out.append(x, decimals: 2)
        out.append("\" y=\"")
        out.append(y, decimals: 2)
        out.append("\" text-anchor=\"\(anchor)\">\(Self.escape(text))</text>\n")
    }

    private static func colour(_ series: Int) -> String {
        palette[series % palette.count]
    }

    /// Stroke attributes of a series: its colour, and a dash pattern after the first ten.
    private static func stroke(_ series: Int) -> String {
        let dash = dashes[(series / palette.count) % dashes.count]
        return " stroke=\"\(colour(series))\"" + (dash.isEmpty ? "" : " stroke-dasharray=\"\(dash)\"")
    }

    /// Text escaped for XML character data and attribute values.
    static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&apos;"
            // Control characters other than tab/LF/CR are not allowed in XML 1.0 at all.
            case "\u{0}"..."\u{8}", "\u{B}", "\u{C}", "\u{E}"..."\u{1F}": escaped += "?"
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }
}
