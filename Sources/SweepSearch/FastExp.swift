/// exp(-z²/2) without a call to libm: the kernel sums' inner loop.
///
/// exp(x) = 2^k · exp(r), k = round(x / ln 2), |r| <= ln 2 / 2, exp(r) by its Taylor
/// series to r^12 (truncation below 1e-14 relative), 2^k built in the exponent bits.
/// Arguments below -700 (a kernel more than 37 widths away) give exactly 0 instead of a
/// subnormal: such a kernel adds nothing a double can hold beside the prior's.
enum FastExp {
    @inline(__always)
    static func negativeHalfSquare(_ z: Double) -> Double { negativeHalf(ofSquare: z * z) }

    /// exp(-s/2) for s >= 0.
    @inline(__always)
    static func negativeHalf(ofSquare s: Double) -> Double {
        let x = max(-0.5 * s, -700)
        let k = (x * 1.4426950408889634).rounded(.toNearestOrEven)
        let r = (x - k * 0.6931471803691238) - k * 1.9082149292705877e-10
        var p = 1.0 / 479_001_600
        p = p * r + 1.0 / 39_916_800
        p = p * r + 1.0 / 3_628_800
        p = p * r + 1.0 / 362_880
        p = p * r + 1.0 / 40_320
        p = p * r + 1.0 / 5_040
        p = p * r + 1.0 / 720
        p = p * r + 1.0 / 120
        p = p * r + 1.0 / 24
        p = p * r + 1.0 / 6
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        let scale = Double(bitPattern: UInt64(Int64(k) + 1023) << 52)
        return x <= -700 ? 0 : p * scale
    }
}

extension FastExp {
    /// The same on four kernels at once: rounding by the 1.5 · 2^52 shifter (its low
    /// mantissa bits then hold k), so every step is a vector instruction.
    @inline(__always)
    static func negativeHalfSquare(_ z: SIMD4<Double>) -> SIMD4<Double> {
        atLeastMinus700(-0.5 * z * z)
    }

    /// exp(-s/2) for s >= 0 on four lanes: bit for bit the scalar `negativeHalf(ofSquare:)`
    /// of each lane (the same operations in the same order), so a sum of them in kernel
    /// order is the scalar loop's.
    @inline(__always)
    static func negativeHalf(ofSquare s: SIMD4<Double>) -> SIMD4<Double> {
        atLeastMinus700(-0.5 * s)
    }

    /// exp(max(x, -700)), exactly 0 at -700. `replacing` rather than `pointwiseMax`:
    /// the generic `pointwiseMax` was not inlined (a call per four kernels in the
    /// profile). Same lanes for every number; a NaN lane now stays NaN (as in the scalar
    /// `max`) where `pointwiseMax` made it 0: only a NaN argument gives one, never a candidate.
    @inline(__always)
    private static func atLeastMinus700(_ x: SIMD4<Double>) -> SIMD4<Double> {
        clampedExp(x.replacing(with: -700, where: x .< -700))
    }

    /// exp(x) for x in [-700, 0]; exactly 0 at -700.
    @inline(__always)
    private static func clampedExp(_ x: SIMD4<Double>) -> SIMD4<Double> {
        let shifter = SIMD4<Double>(repeating: 0x1.8p52)
        let kd = x * 1.4426950408889634 + shifter
        let k = kd - shifter
        let r = (x - k * 0.6931471803691238) - k * 1.9082149292705877e-10
        var p = SIMD4<Double>(repeating: 1.0 / 479_001_600)
        p = p * r + 1.0 / 39_916_800
        p = p * r + 1.0 / 3_628_800
        p = p * r + 1.0 / 362_880
        p = p * r + 1.0 / 40_320
        p = p * r + 1.0 / 5_040
        p = p * r + 1.0 / 720
        p = p * r + 1.0 / 120
        p = p * r + 1.0 / 24
        p = p * r + 1.0 / 6
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        let bits = unsafeBitCast(kd, to: SIMD4<UInt64>.self)
        let scale = unsafeBitCast((bits &+ 1023) &<< 52, to: SIMD4<Double>.self)
        return (p * scale).replacing(with: 0, where: x .<= -700)
    }
}
