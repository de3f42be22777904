#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Samplers over the seeded stream. Each draws a documented number of words so streams stay
/// reproducible; computations are in Double.
extension SeededGenerator {
    /// A uniform Double in `[0, 1)` with 53 random bits.
    public mutating func nextDouble() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// A uniform Double in `(0, 1]`, safe to take the logarithm of.
    public mutating func nextOpenDouble() -> Double { (Double(next() >> 11) + 1) * 0x1p-53 }

    /// A uniform Float in `[low, high)`.
    public mutating func uniform(_ low: Float, _ high: Float) -> Float {
        Float(Double(low) + (Double(high) - Double(low)) * nextDouble())
    }

    /// A uniform Double in `[low, high)`.
    public mutating func uniform(_ low: Double, _ high: Double) -> Double { low + (high - low) * nextDouble() }

    /// A uniform integer in `0..<upperBound` (Lemire's multiply-shift with rejection).
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

    /// A Beta(a, b) deviate as `X / (X + Y)` with `X ~ Gamma(a)`, `Y ~ Gamma(b)`.
    public mutating func beta(_ a: Double, _ b: Double) -> Double {
        let x = gamma(shape: a), y = gamma(shape: b)
        return x / (x + y)
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
