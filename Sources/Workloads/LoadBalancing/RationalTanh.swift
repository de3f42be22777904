import KANKit

/// An elementwise tanh layer using a rational approximation (Eigen's `ptanh_float`, error
/// within a few ulp) over SIMD lanes, instead of libm's `tanhf`, which dominated the
/// critic's cost. Any input shape; output has the input's shape.
///
/// Backward multiplies by `1 - y^2` from the saved output and has no parameters.
final class RationalTanh: Layer {
    /// Unused (no parameters); the input gradient is always computed because it is cheap.
    var needsInputGradient = true
    private var output: Tensor?
    private var gradInput: Tensor?

    /// No parameters.
    var parameters: [Parameter] { [] }

    /// `tanh(x)` elementwise.
    func forward(_ input: Tensor) -> Tensor {
        let out = Self.reusing(output, shape: input.shape)
        output = out
        let x = input.data, y = out.data, count = input.count
        var i = 0
        while i + 8 <= count {
            let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(y + i).storeBytes(of: Self.tanh(v), as: SIMD8<Float>.self)
            i += 8
        }
        while i < count {
            y[i] = Self.tanh(SIMD8<Float>(repeating: x[i]))[0]
            i += 1
        }
        return out
    }

    /// `dX = dY * (1 - y^2)`.
    func backward(_ gradOutput: Tensor) -> Tensor {
        guard let output else { preconditionFailure("RationalTanh.backward called before forward") }
        precondition(gradOutput.count == output.count, "RationalTanh.backward expects \(output.shape), got \(gradOutput.shape)")
        let gradIn = Self.reusing(gradInput, shape: output.shape)
        gradInput = gradIn
        let y = output.data, g = gradOutput.data, d = gradIn.data
        for i in 0..<output.count { d[i] = g[i] * (1 - y[i] * y[i]) }
        return gradIn
    }

    /// `existing` if it has `shape`, else a new tensor (only when the batch size changes).
    private static func reusing(_ existing: Tensor?, shape: [Int]) -> Tensor {
        if let existing, existing.shape == shape { return existing }
        return Tensor(shape: shape)
    }

    /// The rational approximation: odd degree-13 numerator over even degree-6 denominator,
    /// on the input clamped to +-7.9 (where tanh is 1 to float precision).
    @inline(__always)
    static func tanh(_ v: SIMD8<Float>) -> SIMD8<Float> {
        let bound = SIMD8<Float>(repeating: 7.90531110763549805)
        let x = v.clamped(lowerBound: -bound, upperBound: bound)
        let x2 = x * x
        var p = x2 * -2.76076847742355e-16 + 2.00018790482477e-13
        p = x2 * p + -8.60467152213735e-11
        p = x2 * p + 5.12229709037114e-08
        p = x2 * p + 1.48572235717979e-05
        p = x2 * p + 6.37261928875436e-04
        p = x2 * p + 4.89352455891786e-03
        p = x * p
        var q = x2 * 1.19825839466702e-06 + 1.18534705686654e-04
        q = x2 * q + 2.26843463243900e-03
        q = x2 * q + 4.89352518554385e-03
        // Below 4e-4 tanh(x) = x to float precision, and the ratio loses digits there.
        let tiny = (x .< 0.0004) .& (x .> -0.0004)
        return (p / q).replacing(with: x, where: tiny)
    }
}
