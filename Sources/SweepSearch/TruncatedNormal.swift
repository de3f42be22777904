import SweepCore
import Foundation

/// The normal distribution's pieces the Parzen estimator needs, in double precision.
enum TruncatedNormal {
    static let sqrtTwoPi = (2 * Double.pi).squareRoot()

    /// Φ(b) - Φ(a) for a <= b, from whichever tail keeps the difference exact: both
    /// bounds far in one tail would otherwise subtract two numbers near 1.
    static func mass(_ a: Double, _ b: Double) -> Double {
        let r = 1 / 2.0.squareRoot()
        if a >= 0 { return 0.5 * (erfc(a * r) - erfc(b * r)) }
        if b <= 0 { return 0.5 * (erfc(-b * r) - erfc(-a * r)) }
        return 1 - 0.5 * (erfc(-a * r) + erfc(b * r))
    }

    /// A standard normal draw (Box-Muller; one of the pair, so each draw takes two units).
    static func standard(_ generator: inout SplitMix64) -> Double {
        // 1 - unit() is in (0, 1]: log never sees 0.
        let u = 1 - generator.unit()
        let v = generator.unit()
        return (-2 * Foundation.log(u)).squareRoot() * Foundation.cos(2 * Double.pi * v)
    }

    /// A draw of N(mu, sigma) truncated to [low, high], by rejection: a kernel's centre is
    /// in the interval and its width at most the interval's, so at least 34 % of draws are
    /// kept; after 64 misses (2^-38 of the time) the draw is clamped, so it always ends.
    static func draw(mu: Double, sigma: Double, low: Double, high: Double, _ generator: inout SplitMix64) -> Double {
        for _ in 0..<64 {
            let x = mu + sigma * standard(&generator)
            if x >= low, x <= high { return x }
        }
        return min(max(mu, low), high)
    }
}
