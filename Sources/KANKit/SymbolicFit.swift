#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The best affine-wrapped primitive for one curve: `y ≈ c · f(a·x + b) + d`.
///
/// As in pykan's `fit_params`, `c, d` come from linear least squares at each candidate
/// `(a, b)`, so a candidate's score is the squared correlation of `f(a·x + b)` with `y`. pykan
/// grid-searches `(a, b)` for every primitive; here each primitive's symmetries remove what the
/// outer `c, d` absorb, which turns most 2-D searches into 1-D ones (a KAN's hundreds of
/// edges are fitted at the end of every hitl-ddqn job, so this is on the clock):
/// - `x`: no search; `x^2`: a quadratic least-squares fit gives the shift `b/a` exactly.
/// - `x^3`, `|x|`: only the shift `t = b/a` matters: 1-D search over `t` around the data.
/// - `log`, `sqrt`: only the sign of `a` and the offset `b/|a|` from the domain's edge
///   matter: 1-D search over that offset on a log scale, for each sign.
/// - `exp`: `exp(b)` is absorbed by `c`: 1-D search over `a` in `[-10, 10]`.
/// - `sin`: `c·sin(a·x + b) = p·sin(a·x) + q·cos(a·x)`: 1-D search over `a` up to 10 (from
///   the frequency that spans a radian over the data) with `p, q` by least squares, then
///   `b = atan2(q, p)`.
/// - `tanh`: a 2-D grid over `a` in `[0, 10]` (tanh is odd) and `b` in `[-10, 10]`, refined
///   around the best cell (the one search left that costs: about 1,000 points).
///
/// Shifts are scaled into pykan's box `|a|, |b| <= 10` where the function allows. Searches run
/// on at most `searchSamples` points spread over the sorted inputs; the final `c, d, R²` use
/// all samples. Across functions the best R² wins, except that a simpler function (lower
/// `complexity`) within `tieTolerance` of the best R² is preferred.
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
        let scaled = Self.format(a) == "1" ? argument : "\(Self.format(a))*\(argument)"
        let inner = function == .identity && b == 0 ? scaled : scaled + Self.signed(b)
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
    /// - Parameter searchSamples: the most samples a parameter search evaluates.
    public static func fit(_ function: SymbolicFunction, x: [Double], y: [Double], searchSamples: Int = 64) -> SymbolicFit {
        let n = Double(y.count)
        let meanY = y.reduce(0, +) / n
        let varianceY = y.reduce(0) { $0 + ($1 - meanY) * ($1 - meanY) }
        guard varianceY > 1e-24 else {
            return SymbolicFit(function: .identity, a: 1, b: 0, c: 0, d: meanY, rSquared: 1)  // a constant edge
        }
        let unfitted = SymbolicFit(function: function, a: 1, b: 0, c: 0, d: meanY, rSquared: 0)
        func finished(_ a: Double, _ b: Double) -> SymbolicFit {
            linearFit(function, a: a, b: b, x: x, y: y, meanY: meanY, varianceY: varianceY) ?? unfitted
        }
        switch function {
        case .identity:
            return finished(1, 0)
        case .square:
            guard let shift = quadraticShift(x: x, y: y) else { return finished(1, 0) }
            let (a, b) = boxed(1, shift)
            return finished(a, b)
        default:
            break
        }
        // Search on an order-statistics subsample: it keeps the spread of x at a fraction of the cost.
        let order = x.indices.sorted { x[$0] < x[$1] }
        let picks = x.count <= searchSamples ? order : (0..<searchSamples).map { order[$0 * (x.count - 1) / (searchSamples - 1)] }
        let xs = picks.map { x[$0] }, ys = picks.map { y[$0] }
        let meanSearch = ys.reduce(0, +) / Double(ys.count)
        let varianceSearch = ys.reduce(0) { $0 + ($1 - meanSearch) * ($1 - meanSearch) }
        guard varianceSearch > 1e-24 else { return unfitted }
        func score(_ a: Double, _ b: Double) -> Double? {
            linearFit(function, a: a, b: b, x: xs, y: ys, meanY: meanSearch, varianceY: varianceSearch)?.rSquared
        }
        let low = xs.first!, high = xs.last!, span = max(high - low, 1e-6)
        switch function {
        case .cube, .abs:
            guard let t = search(from: -high - span, to: -low + span, score: { score(1, $0) }) else { return unfitted }
            let (a, b) = boxed(1, t.value)
            return finished(a, b)
        case .log, .sqrt:
            // f(σ·x + b) with b = edge + span·10^k, where edge is the smallest b keeping every
            // σ·x + b in the domain.
            var best: (a: Double, b: Double, rSquared: Double)?
            for sign in [1.0, -1.0] {
                let edge = sign > 0 ? -low : high
                if let k = search(from: -4, to: 1, score: { score(sign, edge + span * pow(10, $0)) }),
                   k.rSquared > best?.rSquared ?? -.infinity {
                    best = (sign, edge + span * pow(10, k.value), k.rSquared)
                }
            }
            guard let best else { return unfitted }
            let (a, b) = boxed(best.a, best.b)
            return finished(a, b)
        case .exp:
            // exp(a·(x - mid)) keeps the search's values moderate; its shift is absorbed by c.
            let mid = (low + high) / 2
            guard let a = search(from: -10, to: 10, score: { score($0, -$0 * mid) }) else { return unfitted }
            return finished(a.value, -a.value * mid)
        case .sin:
            // Below a radian over the data a sine is a low-order polynomial with large
            // cancelling c and d, which 4-digit formulas cannot carry: x, x^2, x^3 cover it.
            guard let a = search(from: min(1 / span, 10), to: 10, score: { sinusoidScore(frequency: $0, x: xs, y: ys, meanY: meanSearch, varianceY: varianceSearch)?.rSquared })
            else { return unfitted }
            guard let phase = sinusoidScore(frequency: a.value, x: x, y: y, meanY: meanY, varianceY: varianceY)?.phase else { return unfitted }
            return finished(a.value, phase)
        case .tanh:
            guard let best = gridSearch(a: 0...10, b: -10...10, score: score) else { return unfitted }
            return finished(best.a, best.b)
        case .identity, .square:
            preconditionFailure("handled above")
        }
    }

    /// The maximum of `score` over `[from, to]`: a grid of `points`, then `refinements` finer
    /// grids around the best point so far, within the bounds. Nil where `score` is nil everywhere.
    private static func search(
        from low: Double, to high: Double, points: Int = 101, refinements: Int = 3, score: (Double) -> Double?
    ) -> (value: Double, rSquared: Double)? {
        var best: (value: Double, rSquared: Double)?
        let bounds = low...high
        var (low, high, count) = (low, high, points)
        for _ in 0...refinements {
            let step = (high - low) / Double(count - 1)
            for i in 0..<count {
                let value = low + Double(i) * step
                if let r = score(value), r > best?.rSquared ?? -.infinity { best = (value, r) }
            }
            guard let center = best?.value else { return nil }
            (low, high, count) = (max(center - 2 * step, bounds.lowerBound), min(center + 2 * step, bounds.upperBound), 21)
        }
        return best
    }

    /// The maximum of `score` over a rectangle: a 25 × 25 grid, then three 11 × 11 grids each
    /// spanning the 5 × 5 cells around the best point so far.
    private static func gridSearch(
        a aRange: ClosedRange<Double>, b bRange: ClosedRange<Double>, score: (Double, Double) -> Double?
    ) -> (a: Double, b: Double)? {
        var points = 25
        var best: (a: Double, b: Double, rSquared: Double)?
        var (aLow, aHigh, bLow, bHigh) = (aRange.lowerBound, aRange.upperBound, bRange.lowerBound, bRange.upperBound)
        for _ in 0...3 {
            let aStep = (aHigh - aLow) / Double(points - 1), bStep = (bHigh - bLow) / Double(points - 1)
            for ia in 0..<points {
                let a = aLow + Double(ia) * aStep
                for ib in 0..<points {
                    let b = bLow + Double(ib) * bStep
                    if let r = score(a, b), r > best?.rSquared ?? -.infinity { best = (a, b, r) }
                }
            }
            guard let best else { return nil }
            (aLow, aHigh) = (best.a - 2 * aStep, best.a + 2 * aStep)
            (bLow, bHigh) = (best.b - 2 * bStep, best.b + 2 * bStep)
            points = 11
        }
        return best.map { ($0.a, $0.b) }
    }

    /// `(a, b)` scaled by one positive factor so that `|b| <= 10` (the same function up to
    /// the outer `c, d` for the primitives this is used with).
    private static func boxed(_ a: Double, _ b: Double) -> (Double, Double) {
        abs(b) <= 10 ? (a, b) : (a * 10 / abs(b), b > 0 ? 10 : -10)
    }

    /// The vertex shift `β / 2α` of the least-squares quadratic `αx² + βx + γ`, nil if it is
    /// (numerically) a line.
    private static func quadraticShift(x: [Double], y: [Double]) -> Double? {
        // Centred and scaled x keeps the normal equations well conditioned.
        let n = Double(x.count), mean = x.reduce(0, +) / n
        let scale = max(x.reduce(0) { max($0, abs($1 - mean)) }, 1e-12)
        var s = [Double](repeating: 0, count: 5), t = [Double](repeating: 0, count: 3)
        for (xi, yi) in zip(x, y) {
            let z = (xi - mean) / scale
            var power = 1.0
            for k in 0..<5 {
                s[k] += power
                if k < 3 { t[k] += power * yi }
                power *= z
            }
        }
        // Normal equations [s0 s1 s2; s1 s2 s3; s2 s3 s4]·(γ, β, α) = t, by Cramer's rule.
        func det(_ m: [Double]) -> Double {
            m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) + m[2] * (m[3] * m[7] - m[4] * m[6])
        }
        let matrix = [s[0], s[1], s[2], s[1], s[2], s[3], s[2], s[3], s[4]]
        let d = det(matrix)
        guard abs(d) > 1e-12 * s[0] * s[4] * s[4] else { return nil }
        let beta = det([s[0], t[0], s[2], s[1], t[1], s[3], s[2], t[2], s[4]]) / d
        let alpha = det([s[0], s[1], t[0], s[1], s[2], t[1], s[2], s[3], t[2]]) / d
        let yScale = t.map(abs).max()! / n + 1e-300
        guard abs(alpha) > 1e-9 * yScale else { return nil }
        // α(z + β/2α)² in the scaled variable z = (x - mean)/scale is α'(x + shift)².
        return beta / (2 * alpha) * scale - mean
    }

    /// R² of `y ≈ p·sin(ωx) + q·cos(ωx) + d` by least squares, and the phase `atan2(q, p)` that
    /// writes it as `r·sin(ωx + phase) + d`; nil where sin and cos are (nearly) collinear.
    private static func sinusoidScore(
        frequency: Double, x: [Double], y: [Double], meanY: Double, varianceY: Double
    ) -> (rSquared: Double, phase: Double)? {
        let n = Double(x.count)
        var sumS = 0.0, sumC = 0.0, sumSS = 0.0, sumCC = 0.0, sumSC = 0.0, sumSY = 0.0, sumCY = 0.0
        for (xi, yi) in zip(x, y) {
            let sine = sin(frequency * xi), cosine = cos(frequency * xi), dy = yi - meanY
            sumS += sine
            sumC += cosine
            sumSS += sine * sine
            sumCC += cosine * cosine
            sumSC += sine * cosine
            sumSY += sine * dy
            sumCY += cosine * dy
        }
        let ss = sumSS - sumS * sumS / n, cc = sumCC - sumC * sumC / n, sc = sumSC - sumS * sumC / n
        let det = ss * cc - sc * sc
        guard det > 1e-10 * max(ss * cc, 1e-300) else { return nil }
        let p = (cc * sumSY - sc * sumCY) / det, q = (ss * sumCY - sc * sumSY) / det
        return (min((p * sumSY + q * sumCY) / varianceY, 1), atan2(q, p))
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
