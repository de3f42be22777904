#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Samplers over the seeded stream. Each draws a documented number of words so streams stay
/// reproducible; computations are in Double, except `beta`'s (Float, for speed).
extension SeededGenerator {
    /// A uniform Double in `[0, 1)` with 53 random bits.
    @inlinable
    public mutating func nextDouble() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// A uniform Double in `(0, 1]`, safe to take the logarithm of.
    @inlinable
    public mutating func nextOpenDouble() -> Double { (Double(next() >> 11) + 1) * 0x1p-53 }

    /// A uniform Float in `[low, high)`.
    @inlinable
    public mutating func uniform(_ low: Float, _ high: Float) -> Float {
        Float(Double(low) + (Double(high) - Double(low)) * nextDouble())
    }

    /// A uniform Double in `[low, high)`.
    @inlinable
    public mutating func uniform(_ low: Double, _ high: Double) -> Double { low + (high - low) * nextDouble() }

    /// A uniform integer in `0..<upperBound` (Lemire's multiply-shift with rejection).
    @inlinable
    public mutating func index(below upperBound: Int) -> Int {
        precondition(upperBound > 0, "index(below:) needs a positive bound")
        let bound = UInt64(upperBound)
        var product = next().multipliedFullWidth(by: bound)
        if product.low < bound {
            let threshold = (0 &- bound) % bound
            while product.low < threshold { product = next().multipliedFullWidth(by: bound) }
        }
        return Int(product.high)
    }

    /// A normal deviate by Marsaglia's polar method: a point uniform in the unit disc gives
    /// two independent deviates for one `log` and one square root, without trigonometry;
    /// the second is kept for the next call. (Beta masks draw two Gamma deviates, each
    /// needing a normal, per feature and example: this was a third of a hitl-ddqn epoch.)
    public mutating func normal(mean: Double = 0, standardDeviation: Double = 1) -> Double {
        if !spareNormal.isNaN {
            let z = spareNormal
            spareNormal = .nan
            return mean + standardDeviation * z
        }
        while true {
            let u = 2 * nextDouble() - 1, v = 2 * nextDouble() - 1
            let s = u * u + v * v
            if s > 0 && s < 1 {
                let factor = (-2 * log(s) / s).squareRoot()
                spareNormal = v * factor
                return mean + standardDeviation * u * factor
            }
        }
    }

    /// `true` with probability `p` (clamped to [0, 1]).
    @inlinable
    public mutating func bernoulli(_ p: Double) -> Bool { nextDouble() < p }

    /// A Gamma(shape, scale) deviate by Marsaglia and Tsang's method; shapes below 1 use the
    /// boost `Gamma(a) = Gamma(a + 1) · U^(1/a)`.
    public mutating func gamma(shape: Double, scale: Double = 1) -> Double {
        precondition(shape > 0 && scale > 0, "gamma needs positive shape and scale, got \(shape), \(scale)")
        if shape < 1 {
            return gamma(shape: shape + 1, scale: scale) * pow(nextOpenDouble(), 1 / shape)
        }
        let d = shape - 1.0 / 3.0, c = 1 / (9 * d).squareRoot()
        while true {
            let x = normal()
            let t = 1 + c * x
            if t <= 0 { continue }
            let v = t * t * t
            let u = nextOpenDouble()
            if u < 1 - 0.0331 * x * x * x * x || log(u) < 0.5 * x * x + d * (1 - v + log(v)) {
                return d * v * scale
            }
        }
    }

    /// A Beta(a, b) deviate in Float.
    ///
    /// For a, b > 1 (hitl-ddqn's masks draw Beta(s, s) with s in (1.69, 2.32), 4.5 million
    /// per epoch) it is Cheng's BB algorithm (1978): one 64-bit word gives the two 23-bit
    /// uniforms of a trial, which costs one `logf` and one `expf` (and up to two more `logf`s
    /// to decide acceptance) — a fraction of the cost of two Gamma deviates. Other
    /// shapes use `X / (X + Y)` with `X ~ Gamma(a)`, `Y ~ Gamma(b)`.
    public mutating func beta(_ a: Float, _ b: Float) -> Float {
        precondition(a > 0 && b > 0, "beta needs positive shapes, got \(a), \(b)")
        guard min(a, b) > 1 else {
            let x = gamma(shape: Double(a)), y = gamma(shape: Double(b))
            return Float(x / (x + y))
        }
        let low = min(a, b), high = max(a, b), alpha = low + high
        let beta = ((alpha - 2) / (2 * low * high - alpha)).squareRoot()
        let gamma = low + 1 / beta
        let log4: Float = 1.3862944, onePlusLog5: Float = 2.609438
        while true {
            let bits = next()
            let u1 = (Float(bits >> 41) + 0.5) * 0x1p-23  // in (0, 1): 1 - u1 is never 0
            let u2 = (Float((bits >> 18) & 0x7F_FFFF) + 0.5) * 0x1p-23
            let v = beta * logf(u1 / (1 - u1))
            let w = low * expf(v)
            let z = u1 * u1 * u2
            let r = gamma * v - log4
            let s = low + r - w
            var accepted = s + onePlusLog5 >= 5 * z
            if !accepted {
                let t = logf(z)
                accepted = s > t || r + alpha * logf(alpha / (high + w)) >= t
            }
            if accepted { return low == a ? w / (high + w) : high / (high + w) }
        }
    }

    /// Fills `output[i]` with a Beta(shapes[i], shapes[i]) deviate, every shape above 1.
    ///
    /// The batch form of `beta(_:_:)` for hitl-ddqn's masks: eight trials of Cheng's algorithm
    /// at a time in SIMD, from eight words; a rejected lane is redrawn by `beta(_:_:)`.
    public mutating func symmetricBeta(_ shapes: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i + 8 <= count {
            let a = UnsafeRawPointer(shapes + i).loadUnaligned(as: SIMD8<Float>.self)
            precondition(all(a .> 1), "symmetricBeta needs shapes above 1")
            var u1 = SIMD8<Float>(), u2 = SIMD8<Float>()
            for lane in 0..<8 {
                let bits = next()
                u1[lane] = (Float(bits >> 41) + 0.5) * 0x1p-23
                u2[lane] = (Float((bits >> 18) & 0x7F_FFFF) + 0.5) * 0x1p-23
            }
            // Cheng's BB with a = b: alpha = 2a, beta = 1/√a, gamma = a + √a.
            let root = a.squareRoot()
            let v = VectorMath.log(u1 / (1 - u1)) / root
            let w = a * VectorMath.exp(v)
            let z = u1 * u1 * u2
            let r = (a + root) * v - 1.386_294_4
            let s = a + r - w
            // All three of Cheng's tests, in every lane: the cheap first one alone accepts only
            // about 40 % of trials at these shapes, all three about 94 %.
            let t = VectorMath.log(z), alpha = 2 * a
            let accepted = (s + 2.609_438 .>= 5 * z) .| (s .> t) .| (r + alpha * VectorMath.log(alpha / (a + w)) .>= t)
            var result = w / (a + w)
            if !all(accepted) {
                for lane in 0..<8 where !accepted[lane] { result[lane] = beta(a[lane], a[lane]) }
            }
            UnsafeMutableRawPointer(output + i).storeBytes(of: result, as: SIMD8<Float>.self)
            i += 8
        }
        while i < count {
            output[i] = beta(shapes[i], shapes[i])
            i += 1
        }
    }

    /// Fills `output` with a Dirichlet(alpha) deviate (normalised Gamma draws).
    /// - Parameters:
    ///   - alpha: the concentrations, all positive.
    ///   - output: receives `alpha.count` values summing to 1.
    public mutating func dirichlet(_ alpha: UnsafeBufferPointer<Double>, into output: UnsafeMutableBufferPointer<Double>) {
        precondition(alpha.count == output.count && !alpha.isEmpty, "dirichlet: \(alpha.count) concentrations, \(output.count) outputs")
        var total = 0.0
        for i in alpha.indices {
            output[i] = gamma(shape: alpha[i])
            total += output[i]
        }
        for i in output.indices { output[i] /= total }
    }

    /// A standard Gumbel deviate `-log(-log U)`, shifted by `location` and scaled by `scale`.
    public mutating func gumbel(location: Double = 0, scale: Double = 1) -> Double {
        var u = nextOpenDouble()
        if u == 1 { u = 1 - 0x1p-53 }  // keeps -log(u) positive
        return location - scale * log(-log(u))
    }

    /// A Laplace(location, scale) deviate by inverting its CDF.
    public mutating func laplace(location: Double = 0, scale: Double = 1) -> Double {
        let u = nextOpenDouble() - 0.5  // (-0.5, 0.5]
        let magnitude = -scale * log(max(1 - 2 * abs(u), 0x1p-53))
        return u < 0 ? location - magnitude : location + magnitude
    }

    /// A Cauchy(location, scale) deviate `location + scale · tan(π(U - 1/2))`.
    public mutating func cauchy(location: Double = 0, scale: Double = 1) -> Double {
        location + scale * tan(Double.pi * (nextOpenDouble() - 0.5))
    }

    /// An index drawn with probability proportional to `weights` (non-negative, not all zero).
    public mutating func categorical(_ weights: UnsafeBufferPointer<Double>) -> Int {
        var total = 0.0
        for w in weights { total += w }
        precondition(total > 0, "categorical needs a positive total weight")
        let target = nextDouble() * total
        var running = 0.0
        for i in weights.indices {
            running += weights[i]
            if target < running { return i }
        }
        return weights.lastIndex { $0 > 0 } ?? weights.count - 1  // rounding at the top end
    }

    /// Fills `counts` with a Multinomial(trials, weights) deviate: how many of `trials`
    /// categorical draws fell in each category.
    public mutating func multinomial(
        trials: Int, _ weights: UnsafeBufferPointer<Double>, into counts: UnsafeMutableBufferPointer<Int>
    ) {
        precondition(weights.count == counts.count, "multinomial: \(weights.count) weights, \(counts.count) counts")
        for i in counts.indices { counts[i] = 0 }
        for _ in 0..<trials { counts[categorical(weights)] += 1 }
    }
}
