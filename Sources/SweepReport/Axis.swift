import Foundation

/// A plot axis: a data range widened to "nice" tick steps (1, 2 or 5 times a power of ten)
/// with about five ticks.
struct Axis {
    /// Lower end of the axis (a tick).
    let low: Double
    /// Upper end of the axis (a tick), always above `low`.
    let high: Double
    /// Distance between ticks.
    let step: Double
    /// Decimals that tick labels need to show the step exactly.
    private let decimals: Int

    /// Creates an axis covering `low...high`; an empty or degenerate range gets a unit span.
    ///
    /// - Parameters:
    ///   - integral: Whether only whole-number ticks make sense (epochs).
    ///   - endsAtData: Whether the axis ends at `high` itself rather than the next tick (the
    ///     epoch axis ends at the last epoch).
    init(low: Double, high: Double, integral: Bool, endsAtData: Bool = false) {
        var low = low.isFinite ? low : 0
        var high = high.isFinite ? high : 1
        if high <= low {
            let pad = low == 0 ? 1 : abs(low) * 0.05
            (low, high) = (low - pad, high + pad)
        }
        var step = Self.niceStep((high - low) / 5)
        if integral { step = max(1, step.rounded()) }
        self.low = (low / step).rounded(.down) * step
        self.high = endsAtData ? high : (high / step).rounded(.up) * step
        self.step = step
        decimals = min(12, max(0, -Int(log10(step).rounded(.down))))
    }

    /// Tick positions from `low` to `high` inclusive, one step apart.
    var ticks: [Double] {
        let count = Int(((high - low) / step * (1 + 1e-9)).rounded(.down)) + 1
        return (0..<count).map { low + Double($0) * step }
    }

    /// A tick's label with the axis's fixed decimals.
    func label(_ tick: Double) -> String {
        var text = TextBuffer(capacity: 16)
        text.append(tick, decimals: decimals)
        return text.string
    }

    /// The smallest of 1, 2, 5, 10 times a power of ten that is at least `raw`.
    private static func niceStep(_ raw: Double) -> Double {
        let magnitude = pow(10, log10(raw).rounded(.down))
        for factor in [1.0, 2.0, 5.0, 10.0] where factor * magnitude >= raw * (1 - 1e-9) {
            return factor * magnitude
        }
        return 10 * magnitude
    }
}
