import Foundation

/// How one param's values are placed along a plot axis: linearly, on a log scale (params drawn
/// log-uniformly, or grids of powers), or as evenly spaced categories (strings, booleans).
///
/// `position` maps a value to 0...1 along the axis (NaN for a value the axis cannot place);
/// `ticks` are the labelled positions, at most about a dozen whatever the values.
struct ParamScale {
    enum Kind: Equatable {
        case linear
        case log
        case categories
    }

    let kind: Kind
    /// Tick positions (0...1) and their labels.
    let ticks: [(position: Double, label: String)]
    private let low: Double
    private let high: Double
    private let count: Int

    /// Most category labels drawn; the others are thinned evenly.
    static let maxCategoryLabels = 12

    /// A numeric scale over `low...high` (finite values only), log when asked and every value
    /// is positive.
    init(low: Double, high: Double, log wantsLog: Bool) {
        count = 0
        if wantsLog, low > 0, high.isFinite {
            kind = .log
            var lowExponent = log10(low).rounded(.down)
            var highExponent = log10(high).rounded(.up)
            if highExponent <= lowExponent { (lowExponent, highExponent) = (lowExponent, lowExponent + 1) }
            // At most about eight labelled decades: a skip of 1, 2, 5 ... decades.
            let decades = highExponent - lowExponent
            let skip = max(1, (decades / 8).rounded(.up))
            self.low = lowExponent
            self.high = highExponent
            var ticks: [(Double, String)] = []
            var exponent = lowExponent
            while exponent <= highExponent + 1e-9 {
                ticks.append(((exponent - lowExponent) / decades, Self.powerLabel(Int(exponent))))
                exponent += skip
            }
            self.ticks = ticks
        } else {
            kind = .linear
            let axis = Axis(low: low, high: high, integral: false)
            self.low = axis.low
            self.high = axis.high
            ticks = axis.ticks.map { (($0 - axis.low) / (axis.high - axis.low), axis.label($0)) }
        }
    }

    /// A scale of `labels.count` categories, evenly spaced with half a step of margin at each end.
    init(categories labels: [String]) {
        kind = .categories
        count = max(1, labels.count)
        low = 0
        high = 0
        let every = max(1, (labels.count + Self.maxCategoryLabels - 1) / Self.maxCategoryLabels)
        let total = Double(max(1, labels.count))
        ticks = stride(from: 0, to: labels.count, by: every).map { index in
            ((Double(index) + 0.5) / total, String(labels[index].prefix(16)))
        }
    }

    /// Where `value` sits along the axis, 0...1; for categories `value` is the category's
    /// index. NaN when the value cannot be placed (missing, or not positive on a log scale).
    func position(_ value: Double) -> Double {
        guard value.isFinite else { return .nan }
        switch kind {
        case .linear:
            return (value - low) / (high - low)
        case .log:
            guard value > 0 else { return .nan }
            return (log10(value) - low) / (high - low)
        case .categories:
            return (value + 0.5) / Double(count)
        }
    }

    /// The width of one category as a share of the axis (for jitter); 0 on numeric scales.
    var categoryWidth: Double {
        kind == .categories ? 1 / Double(count) : 0
    }

    /// `0.001` -> "0.001" down to 1e-3, `1e-4` from there; "1", "10" ... "1e4" up.
    private static func powerLabel(_ exponent: Int) -> String {
        switch exponent {
        case -3 ..< 0: return "0." + String(repeating: "0", count: -exponent - 1) + "1"
        case 0 ... 3: return "1" + String(repeating: "0", count: exponent)
        default: return "1e\(exponent)"
        }
    }
}
