#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Elementwise transcendental functions over buffers, eight lanes at a time.
///
/// libm's `expf` is a scalar call that blocks vectorisation and dominated the KAN forward pass;
/// this uses Cephes' `expf` polynomial (about 2 ulp) in SIMD8 with a libm tail.
enum VectorMath {
    /// `e^x` per lane; inputs are clamped to the finite Float range (`e^-87.3 ... e^88.7`).
    @inline(__always)
    static func exp(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let low = SIMD8<Float>(repeating: -87.336_54), high = SIMD8<Float>(repeating: 88.722_83)
        let clamped = x.replacing(with: low, where: x .< low).replacing(with: high, where: x .> high)
        let n = (clamped * 1.442_695_04 + 0.5).rounded(.down)
        let r = clamped - n * 0.693_359_375 + n * 2.121_944_4e-4  // ln 2 split in two for accuracy
        var p = SIMD8<Float>(repeating: 1.987_569_15e-4)
        p = p * r + 1.398_199_95e-3
        p = p * r + 8.333_451_9e-3
        p = p * r + 4.166_579_59e-2
        p = p * r + 0.166_666_655
        p = p * r + 0.500_000_01
        let y = p * r * r + r + 1
        // 2^n built in the exponent field: adding 2^23 puts the integer n + 127 in the low
        // mantissa bits (the generic Float-to-Int vector conversion is not vectorised).
        let shifted = unsafeBitCast(n + (8_388_608 + 127), to: SIMD8<Int32>.self) &- 0x4B00_0000
        return y * unsafeBitCast(shifted &<< 23, to: SIMD8<Float>.self)
    }

    /// The sum of `count` values, with SIMD8 partial sums (a scalar Float or Double reduction is
    /// latency-bound: the compiler may not reorder it).
    static func sum(_ x: UnsafePointer<Float>, count: Int) -> Float {
        var lanes0 = SIMD8<Float>(), lanes1 = SIMD8<Float>()
        var s = 0
        while s + 16 <= count {
            lanes0 += UnsafeRawPointer(x + s).loadUnaligned(as: SIMD8<Float>.self)
            lanes1 += UnsafeRawPointer(x + s + 8).loadUnaligned(as: SIMD8<Float>.self)
            s += 16
        }
        var total = (lanes0 + lanes1).sum()
        while s < count {
            total += x[s]
            s += 1
        }
        return total
    }

    /// Writes `sigmoid(x)` and `silu(x) = x·sigmoid(x)` and `silu'(x) = σ(1 + x(1 - σ))` for
    /// `count` values (any of the outputs may be nil).
    static func siluAndDerivative(
        _ x: UnsafePointer<Float>, count: Int, silu: UnsafeMutablePointer<Float>?, derivative: UnsafeMutablePointer<Float>?,
        sigmoid: UnsafeMutablePointer<Float>? = nil
    ) {
        var s = 0
        while s + 8 <= count {
            let v = UnsafeRawPointer(x + s).loadUnaligned(as: SIMD8<Float>.self)
            let sigma = 1 / (1 + exp(-v))
            if let silu { UnsafeMutableRawPointer(silu + s).storeBytes(of: v * sigma, as: SIMD8<Float>.self) }
            if let derivative {
                UnsafeMutableRawPointer(derivative + s).storeBytes(of: sigma * (1 + v * (1 - sigma)), as: SIMD8<Float>.self)
            }
            if let sigmoid { UnsafeMutableRawPointer(sigmoid + s).storeBytes(of: sigma, as: SIMD8<Float>.self) }
            s += 8
        }
        while s < count {
            let v = x[s], sigma = 1 / (1 + expf(-v))
            silu?[s] = v * sigma
            derivative?[s] = sigma * (1 + v * (1 - sigma))
            sigmoid?[s] = sigma
            s += 1
        }
    }
}
