/// A deterministic random number generator: xoshiro256** seeded through SplitMix64.
///
/// The same seed gives the same stream on every machine and Swift version (unlike the
/// standard library's `random(in:)` helpers, whose algorithms are unspecified, so the samplers
/// in `SeededGenerator+Distributions.swift` convert bits to numbers themselves).
///
/// `next()` and the cheap samplers are `@inlinable`: they run per element in other modules'
/// hot loops (masks, dropout, replay sampling), where a call each cost 2–3x the arithmetic.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    @usableFromInline var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64
    /// The second normal deviate of the last polar-method pair, or NaN when none is left.
    var spareNormal = Double.nan

    /// Creates a generator whose 256-bit state is four SplitMix64 outputs from `seed`.
    public init(seed: UInt64) {
        var x = seed
        func splitMix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitMix(); s1 = splitMix(); s2 = splitMix(); s3 = splitMix()
    }

    /// The next 64 random bits (xoshiro256**).
    @inlinable
    public mutating func next() -> UInt64 {
        let result = rotateLeft(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotateLeft(s3, 45)
        return result
    }

    /// Derives an independent generator (e.g. one per layer) from this one's stream.
    public mutating func split() -> SeededGenerator { SeededGenerator(seed: next()) }

    @inlinable @inline(__always)
    func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}
