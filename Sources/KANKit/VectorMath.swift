#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Elementwise transcendental functions over buffers, eight lanes at a time.
///
/// libm's `expf` and `logf` are scalar calls that block vectorisation; they dominated the KAN
/// forward pass and hitl-ddqn's Beta masks. These use Cephes' `expf` and `logf` polynomials
/// (about 2 ulp) in SIMD8 with a libm tail.
public enum VectorMath {
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

    /// `log x` per lane for positive normal `x` (Cephes' `logf`: the exponent, and a degree-9
    /// polynomial on the mantissa reduced to `[√½, √2)`).
    @inline(__always)
    static func log(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let bits = unsafeBitCast(x, to: SIMD8<Int32>.self)
        // The biased exponent as a Float: OR-ing it under 2^23's bits makes 2^23 + e exactly.
        var e = unsafeBitCast((bits &>> 23) | 0x4B00_0000, to: SIMD8<Float>.self) - (8_388_608 + 127)
        var m = unsafeBitCast((bits & 0x007F_FFFF) | 0x3F80_0000, to: SIMD8<Float>.self)  // [1, 2)
        let high = m .> 1.414_213_56
        m = m.replacing(with: m * 0.5, where: high)
        e = e.replacing(with: e + 1, where: high)
        // Horner steps through `addingProduct` (one FMA per step): written as `p * f + c`,
        // LLVM split this polynomial into 4-, 2- and 1-lane pieces (8x slower).
        let f = m - SIMD8<Float>(repeating: 1), z = f * f
        var p = SIMD8<Float>(repeating: 7.037_683_629_2e-2)
        for c: Float in [-1.151_461_031_0e-1, 1.167_699_874_0e-1, -1.242_014_084_6e-1, 1.424_932_278_7e-1,
                         -1.666_805_766_5e-1, 2.000_071_476_5e-1, -2.499_999_399_3e-1, 3.333_333_117_4e-1] {
            p = SIMD8<Float>(repeating: c).addingProduct(p, f)
        }
        let y = p * f * z + e * -2.121_944_4e-4 + z * -0.5
        return f + y + 0.693_359_375 * e
    }

    /// Writes `softplus(x) + offset = log(1 + e^x) + offset` for `count` values with `x` below
    /// 88 (hitl-ddqn's Beta and Dirichlet shapes from FSNet's probabilities).
    public static func softplus(_ x: UnsafePointer<Float>, plus offset: Float = 0, into output: UnsafeMutablePointer<Float>, count: Int) {
        var s = 0
        while s + 8 <= count {
            let v = UnsafeRawPointer(x + s).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(output + s).storeBytes(of: log(1 + exp(v)) + offset, as: SIMD8<Float>.self)
            s += 8
        }
        while s < count {
            output[s] = logf(1 + expf(x[s])) + offset
            s += 1
        }
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
