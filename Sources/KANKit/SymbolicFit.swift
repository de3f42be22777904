/// The best affine-wrapped primitive for one curve: `y ≈ c · f(a·x + b) + d`.
///
/// Fitting follows pykan's `fit_params`: a grid search over `(a, b)` in `[-10, 10]²` that
/// is refined around the best cell, with `c, d` by linear least squares at every point (so the
/// score is the squared correlation of `f(a·x + b)` with `y`). The search runs on at most
/// `searchSamples` points spread over the sorted inputs; the final `c, d, R²` use all samples. Across functions the best R²
/// wins, except that a simpler function (lower `complexity`) within `tieTolerance` of the best
/// R² is preferred.
public struct SymbolicFit: Sendable, Equatable {
    /// The primitive `f`.
    public var function: SymbolicFunction
    /// The inner scale `a`.
    public var a: Double
    /// The inner shift `b`.
    public var b: Double
    /// The outer scale `c`.
    public var c: Double
    /// The outer shift `d`.
    public var d: Double
    /// The coefficient of determination on the fitted samples.
    public var rSquared: Double

    /// Creates a fit from its parts (e.g. when restoring a saved policy).
    public init(function: SymbolicFunction, a: Double, b: Double, c: Double, d: Double, rSquared: Double) {
        self.function = function
        self.a = a
        self.b = b
        self.c = c
        self.d = d
        self.rSquared = rSquared
    }

    /// Evaluates `c · f(a·x + b) + d`, or `d` where `f` is undefined.
    public func callAsFunction(_ x: Double) -> Double { c * (function(a * x + b) ?? 0) + d }

    /// Renders the formula with `argument` substituted for x, numbers to 4 significant digits.
    public func render(_ argument: String) -> String { term(argument) + Self.signed(d) }

    /// Renders `c·f(a·x + b)` without the constant `d` (networks sum the constants per node).
    public func term(_ argument: String) -> String {
        let inner = function == .identity && a == 1 && b == 0 ? argument : "\(Self.format(a))*\(argument)\(Self.signed(b))"
        return "\(Self.format(c))*\(function.render(inner))"
    }

    /// Fits every candidate and returns the chosen one.
    /// - Parameters:
    ///   - x: sample inputs (at least 3).
    ///   - y: sample outputs, same count.
    ///   - candidates: the primitives to try (default: all nine).
    ///   - tieTolerance: how much R² a simpler function may give up.
    public static func best(
        x: [Double], y: [Double], candidates: [SymbolicFunction] = SymbolicFunction.allCases, tieTolerance: Double = 1e-3
    ) -> SymbolicFit {
        precondition(x.count == y.count && x.count >= 3, "SymbolicFit needs matching x and y with at least 3 samples")
        let fits = candidates.map { fit($0, x: x, y: y) }
        let top = fits.map(\.rSquared).max() ?? 0
        return fits.filter { $0.rSquared >= top - tieTolerance }
            .min { ($0.function.complexity, -$0.rSquared) < ($1.function.complexity, -$1.rSquared) }!
    }

    /// Fits `y ≈ c · f(a·x + b) + d` for one primitive.
    /// - Parameters:
    ///   - gridPoints: points per axis of each search grid.
    ///   - refinements: how many times the grid zooms in (by `(gridPoints - 1) / 4`) around the best point.
    ///   - searchSamples: the most samples the grid search evaluates.
    public static func fit(
        _ function: SymbolicFunction, x: [Double], y: [Double], gridPoints: Int = 25, refinements: Int = 5, searchSamples: Int = 64
    ) -> SymbolicFit {
        let n = Double(y.count)
        let meanY = y.reduce(0, +) / n
        let varianceY = y.reduce(0) { $0 + ($1 - meanY) * ($1 - meanY) }
        guard varianceY > 1e-24 else {
            return SymbolicFit(function: .identity, a: 1, b: 0, c: 0, d: meanY, rSquared: 1)  // a constant edge
        }
        let unfitted = SymbolicFit(function: function, a: 1, b: 0, c: 0, d: meanY, rSquared: 0)
        if function == .identity {  // the inner map is redundant for a line
            return linearFit(function, a: 1, b: 0, x: x, y: y, meanY: meanY, varianceY: varianceY) ?? unfitted
        }
        // Search on an order-statistics subsample: it keeps the spread of x at a fraction of the cost.
        let order = x.indices.sorted { x[$0] < x[$1] }
        let picks = x.count <= searchSamples ? order : (0..<searchSamples).map { order[$0 * (x.count - 1) / (searchSamples - 1)] }
        let xs = picks.map { x[$0] }, ys = picks.map { y[$0] }
        let meanSearch = ys.reduce(0, +) / Double(ys.count)
        let varianceSearch = ys.reduce(0) { $0 + ($1 - meanSearch) * ($1 - meanSearch) }
        guard varianceSearch > 1e-24 else { return unfitted }
        var best: (a: Double, b: Double, rSquared: Double) = (1, 0, -.infinity)
        var (aLow, aHigh, bLow, bHigh) = (-10.0, 10.0, -10.0, 10.0)
        for _ in 0...refinements {
            let aStep = (aHigh - aLow) / Double(gridPoints - 1), bStep = (bHigh - bLow) / Double(gridPoints - 1)
            for ia in 0..<gridPoints {
                let a = aLow + Double(ia) * aStep
                for ib in 0..<gridPoints {
                    let b = bLow + Double(ib) * bStep
                    if let candidate = linearFit(function, a: a, b: b, x: xs, y: ys, meanY: meanSearch, varianceY: varianceSearch),
                       candidate.rSquared > best.rSquared {
                        best = (a, b, candidate.rSquared)
                    }
                }
            }
            (aLow, aHigh) = (best.a - 2 * aStep, best.a + 2 * aStep)
            (bLow, bHigh) = (best.b - 2 * bStep, best.b + 2 * bStep)
        }
        guard best.rSquared.isFinite else { return unfitted }
        return linearFit(function, a: best.a, b: best.b, x: x, y: y, meanY: meanY, varianceY: varianceY) ?? unfitted
    }

    /// Least squares for `c, d` at fixed `(a, b)`; nil if `f` is undefined at some sample.
    private static func linearFit(
        _ function: SymbolicFunction, a: Double, b: Double, x: [Double], y: [Double], meanY: Double, varianceY: Double
    ) -> SymbolicFit? {
        // Sums of u - shift: centring on the first value avoids cancellation when f(a·x + b)
        // is a large constant plus a small variation.
        guard let shift = function(a * x[0] + b) else { return nil }
        var sumU = 0.0, sumUU = 0.0, sumUY = 0.0
        for s in x.indices {
            guard let value = function(a * x[s] + b) else { return nil }
            let u = value - shift
            sumU += u
            sumUU += u * u
            sumUY += u * (y[s] - meanY)
        }
        let n = Double(x.count), meanU = sumU / n
        let varianceU = sumUU - n * meanU * meanU, covariance = sumUY
        guard varianceU > 1e-12 * max(sumUU, 1e-300) else { return nil }  // f(a·x + b) is constant here
        let c = covariance / varianceU
        return SymbolicFit(function: function, a: a, b: b, c: c, d: meanY - c * (meanU + shift),
                           rSquared: min(covariance * covariance / (varianceU * varianceY), 1))
    }

    /// A number with 4 significant digits, without a libc formatter.
    static func format(_ value: Double) -> String {
        guard value != 0, value.isFinite else { return value.isFinite ? "0" : "\(value)" }
        let magnitude = Swift.abs(value)
        var exponent = 0
        var scaled = magnitude
        while scaled >= 10 { scaled /= 10; exponent += 1 }
        while scaled < 1 { scaled *= 10; exponent -= 1 }
        let decimals = max(0, 3 - exponent)
        if decimals > 8 || exponent > 6 { return "\(Float(value))" }  // Swift's shortest round-trip form
        var factor = 1.0
        for _ in 0..<decimals { factor *= 10 }
        let rounded = (magnitude * factor).rounded() / factor
        var text = "\(Float(rounded))"
        if text.hasSuffix(".0") { text.removeLast(2) }
        return value < 0 ? "-" + text : text
    }

    /// `" + v"` or `" - |v|"`, empty for zero.
    static func signed(_ value: Double) -> String {
        let text = format(Swift.abs(value))
        if text == "0" { return "" }
        return value < 0 ? " - \(text)" : " + \(text)"
    }
}
