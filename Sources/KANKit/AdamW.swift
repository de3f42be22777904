/// Adam with decoupled weight decay (Loshchilov & Hutter; PyTorch's `AdamW`).
///
/// Per element: `p -= lr·wd·p`, then `m = β1 m + (1-β1) g`, `v = β2 v + (1-β2) g²`,
/// `p -= lr · (m / (1-β1ᵗ)) / (sqrt(v / (1-β2ᵗ)) + ε)`.
public final class AdamW: Optimizer {
    /// The parameters being optimised.
    public let parameters: [Parameter]
    /// The step size.
    public var learningRate: Float
    /// The first-moment decay β1.
    public let beta1: Float
    /// The second-moment decay β2.
    public let beta2: Float
    /// The denominator guard ε.
    public let epsilon: Float
    /// The decoupled weight-decay factor.
    public var weightDecay: Float
    /// The number of steps taken (t).
    public private(set) var stepCount = 0
    private let moments: [(first: UnsafeMutablePointer<Float>, second: UnsafeMutablePointer<Float>)]

    /// Creates the optimiser with PyTorch's defaults unless given.
    public init(
        parameters: [Parameter], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
        epsilon: Float = 1e-8, weightDecay: Float = 1e-2
    ) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        moments = parameters.map { ($0.zeroedStateBuffer(), $0.zeroedStateBuffer()) }
    }

    deinit {
        for (first, second) in moments {
            first.deallocate()
            second.deallocate()
        }
    }

    /// Applies one AdamW update to every parameter.
    public func step() {
        stepCount += 1
        let t = Float(stepCount)
        let correction1 = 1 - pow1(beta1, t), correction2 = 1 - pow1(beta2, t)
        let stepSize = learningRate / correction1
        let decay = 1 - learningRate * weightDecay
        let (b1, b2, eps) = (beta1, beta2, epsilon)
        let invSqrtCorrection2 = 1 / correction2.squareRoot()
        for (index, parameter) in parameters.enumerated() {
            let (m, v) = moments[index]
            let p = parameter.value, g = parameter.gradient
            var i = 0
            // Explicit SIMD8 chunks: the scalar loop does not vectorise (sqrt and division).
            while i + 8 <= parameter.count {
                let gi = load(g + i)
                let mi = b1 * load(m + i) + (1 - b1) * gi
                let vi = b2 * load(v + i) + (1 - b2) * gi * gi
                store(mi, m + i)
                store(vi, v + i)
                store(load(p + i) * decay - stepSize * mi / (vi.squareRoot() * invSqrtCorrection2 + eps), p + i)
                i += 8
            }
            while i < parameter.count {
                m[i] = b1 * m[i] + (1 - b1) * g[i]
                v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i]
                p[i] = p[i] * decay - stepSize * m[i] / (v[i].squareRoot() * invSqrtCorrection2 + eps)
                i += 1
            }
        }
    }

    @inline(__always)
    private func load(_ pointer: UnsafeMutablePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inline(__always)
    private func store(_ value: SIMD8<Float>, _ pointer: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: SIMD8<Float>.self)
    }

    /// `base^exponent` for the bias corrections, by repeated squaring (no libm needed).
    private func pow1(_ base: Float, _ exponent: Float) -> Float {
        var result: Double = 1, b = Double(base), e = Int(exponent)
        while e > 0 {
            if e & 1 == 1 { result *= b }
            b *= b
            e >>= 1
        }
        return Float(result)
    }
}
