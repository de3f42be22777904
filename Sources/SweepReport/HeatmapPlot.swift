import Foundation

/// An SVG heatmap of a table's main metric over two params: a cell per pair of values
/// coloured on a perceptually uniform sequential scale (viridis) whose bright end is the
/// better end, empty cells hatched, the best cell outlined, axis labels and a colour bar.
///
/// Each drawn cell is one `<rect class="cell">` (empty ones `class="empty"`), so a reader can
/// count them; labels are thinned out so they never overlap, however many values an axis has.
struct HeatmapPlot {
    var title: String
    var metric: String
    var direction: TableSpec.Direction
    var grid: HeatmapGrid

    /// Viridis at ten evenly spaced points, dark to bright; colours between are interpolated.
    static let viridis: [(Double, Double, Double)] = [
        (0x44, 0x01, 0x54), (0x48, 0x28, 0x78), (0x3e, 0x49, 0x89), (0x31, 0x68, 0x8e), (0x26, 0x82, 0x8e),
        (0x1f, 0x9e, 0x89), (0x35, 0xb7, 0x79), (0x6e, 0xce, 0x58), (0xb5, 0xde, 0x2b), (0xfd, 0xe7, 0x25),
    ]

    private static let characterWidth = 6.6

    func svg() -> String {
        let columns = grid.xValues.count, rows = grid.yValues.count
        let xLabels = grid.xValues.map(ReportFormat.value), yLabels = grid.yValues.map(ReportFormat.value)
        let longestY = Double(min(24, yLabels.map(\.count).max() ?? 1))
        let longestX = Double(min(24, xLabels.map(\.count).max() ?? 1))
        let cellWidth = min(48, max(0.5, 640 / Double(columns)))
        let cellHeight = min(32, max(0.5, 480 / Double(rows)))
        let left = 40 + longestY * Self.characterWidth
        let top = 56.0
        let plotWidth = cellWidth * Double(columns), plotHeight = cellHeight * Double(rows)
        let height = top + plotHeight + 56
        // Show every n-th label so neighbours never overlap.
        let xEvery = max(1, Int(((longestX * Self.characterWidth + 8) / cellWidth).rounded(.up)))
        let yEvery = max(1, Int((14 / cellHeight).rounded(.up)))

        var low = Double.infinity, high = -Double.infinity
        for mean in grid.means where mean.isFinite {
            low = min(low, mean)
            high = max(high, mean)
        }

        let better = direction == .maximize ? "higher" : "lower"
        var caption = "mean \(metric)" + (grid.averagesOtherParams ? " over the other params" : "") + "; \(better) is better, the best cell outlined"
        if let best = grid.best {
            caption += " (\(grid.yKey)=\(yLabels[best.y]), \(grid.xKey)=\(xLabels[best.x]))"
        }
        // Wide enough for the title (14 px bold) and the caption, so a small grid does not
        // cut them off; bounded, as a title can be long.
        let textWidth = min(1600, 24 + max(Double(title.count) * 8.6, Double(caption.count) * Self.characterWidth))
        let width = max(left + plotWidth + 130, 440, textWidth)

        var out = TextBuffer(capacity: 256 + columns * rows * 64)
        LearningCurvePlot.open(width: width, height: height, title: title, into: &out)
        LearningCurvePlot.label(caption, x: 12, y: 40, anchor: "start", into: &out)
        out.append("<defs><pattern id=\"hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">"
            + "<rect width=\"6\" height=\"6\" fill=\"#f4f4f4\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#bbbbbb\" stroke-width=\"2\"/></pattern>\n")
        out.append("<linearGradient id=\"scale\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">")
        for (index, _) in Self.viridis.enumerated() {
            let fraction = Double(index) / Double(Self.viridis.count - 1)
            out.append("<stop offset=\"")
            out.append(fraction, decimals: 3)
            out.append("\" stop-color=\"")
            Self.appendColour(fraction, into: &out)
            out.append("\"/>")
        }
        out.append("</linearGradient></defs>\n")

        out.append("<g class=\"cells\" shape-rendering=\"crispEdges\">\n")
        for y in 0..<rows {
            for x in 0..<columns {
                let mean = grid.mean(x: x, y: y)
                out.append(mean.isFinite ? "<rect class=\"cell\" x=\"" : "<rect class=\"empty\" x=\"")
                out.append(left + Double(x) * cellWidth, decimals: 1)
                out.append("\" y=\"")
                out.append(top + Double(y) * cellHeight, decimals: 1)
                out.append("\" width=\"")
                out.append(cellWidth, decimals: 2)
                out.append("\" height=\"")
                out.append(cellHeight, decimals: 2)
                out.append("\" fill=\"")
                if mean.isFinite {
                    Self.appendColour(goodness(mean, low: low, high: high), into: &out)
                } else {
                    out.append("url(#hatch)")
                }
                out.append("\"/>\n")
            }
        }
        out.append("</g>\n")
        if let best = grid.best {
            out.append("<rect class=\"best\" x=\"")
            out.append(left + Double(best.x) * cellWidth, decimals: 1)
            out.append("\" y=\"")
            out.append(top + Double(best.y) * cellHeight, decimals: 1)
            out.append("\" width=\"")
            out.append(max(cellWidth, 3), decimals: 2)
            out.append("\" height=\"")
            out.append(max(cellHeight, 3), decimals: 2)
            out.append("\" fill=\"none\" stroke=\"#e8000b\" stroke-width=\"2\"><title>best: ")
            let value = Self.scaleLabel(grid.mean(x: best.x, y: best.y), low: low, high: high)
            out.append(LearningCurvePlot.escape("\(grid.yKey)=\(yLabels[best.y]), \(grid.xKey)=\(xLabels[best.x]): \(value)"))
            out.append("</title></rect>\n")
        }

        // Axis labels, thinned, and the axis titles.
        for x in stride(from: 0, to: columns, by: xEvery) {
            LearningCurvePlot.label(String(xLabels[x].prefix(24)), x: left + (Double(x) + 0.5) * cellWidth, y: top + plotHeight + 14, anchor: "middle", into: &out)
        }
        for y in stride(from: 0, to: rows, by: yEvery) {
            LearningCurvePlot.label(String(yLabels[y].prefix(24)), x: left - 6, y: top + (Double(y) + 0.5) * cellHeight + 4, anchor: "end", into: &out)
        }
        LearningCurvePlot.label(grid.xKey, x: left + plotWidth / 2, y: top + plotHeight + 34, anchor: "middle", into: &out)
        LearningCurvePlot.verticalLabel(grid.yKey, x: 14, y: top + plotHeight / 2, into: &out)

        // The colour bar: bright (better) at the top, labelled with the values at its ends.
        let barLeft = left + plotWidth + 24, barHeight = min(plotHeight, 240)
        out.append("<rect class=\"scale\" x=\"")
        out.append(barLeft, decimals: 1)
        out.append("\" y=\"")
        out.append(top, decimals: 1)
        out.append("\" width=\"14\" height=\"")
        out.append(barHeight, decimals: 1)
        out.append("\" fill=\"url(#scale)\" stroke=\"#333\" stroke-width=\"0.5\"/>\n")
        if low.isFinite {
            let (bestEnd, worstEnd) = direction == .maximize ? (high, low) : (low, high)
            LearningCurvePlot.label(Self.scaleLabel(bestEnd, low: low, high: high) + " (best)", x: barLeft + 18, y: top + 8, anchor: "start", into: &out)
            LearningCurvePlot.label(Self.scaleLabel(worstEnd, low: low, high: high), x: barLeft + 18, y: top + barHeight, anchor: "start", into: &out)
        }
        out.append("</svg>\n")
        return out.string
    }

    /// Where `mean` sits on the scale, 0 (worst) to 1 (best).
    private func goodness(_ mean: Double, low: Double, high: Double) -> Double {
        guard high > low else { return 1 }
        let fraction = (mean - low) / (high - low)
        return direction == .maximize ? fraction : 1 - fraction
    }

    /// Appends the viridis colour at `fraction` (0...1) as `#rrggbb`.
    static func appendColour(_ fraction: Double, into out: inout TextBuffer) {
        let position = min(1, max(0, fraction.isFinite ? fraction : 0)) * Double(viridis.count - 1)
        let index = min(viridis.count - 2, Int(position))
        let t = position - Double(index)
        let (a, b) = (viridis[index], viridis[index + 1])
        out.append(byte: UInt8(ascii: "#"))
        appendChannel(a.0 + (b.0 - a.0) * t, into: &out)
        appendChannel(a.1 + (b.1 - a.1) * t, into: &out)
        appendChannel(a.2 + (b.2 - a.2) * t, into: &out)
    }

    private static func appendChannel(_ value: Double, into out: inout TextBuffer) {
        let channel = UInt8(min(255, max(0, value.rounded())))
        out.append(byte: hexDigit(channel >> 4))
        out.append(byte: hexDigit(channel & 15))
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }

    /// A value on the scale with enough decimals to tell a tenth of the range apart (four
    /// significant figures when the range is empty).
    private static func scaleLabel(_ value: Double, low: Double, high: Double) -> String {
        var text = TextBuffer(capacity: 16)
        let span = high > low ? (high - low) / 10 : abs(value) / 1000
        text.append(value, decimals: ReportFormat.decimals(showing: span) + 1)
        return text.string
    }
}
