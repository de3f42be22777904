import KANKit
#if canImport(Glibc)
import Glibc
#endif

/// How FSNet's per-feature probabilities q become a feature mask a (WORKLOADS.md section 1).
/// Samples carry no gradient, and nothing is clamped.
public enum MaskDistribution: String, Sendable, CaseIterable {
    /// a_j ~ Bernoulli(q_j): a 0/1 mask.
    case bernoulli
    /// a = softmax((log q + g) / tau) over the features, g standard Gumbel noise.
    case gumbelSoftmax = "gumbel-softmax"
    /// a_j ~ N(q_j, 1).
    case gaussian
    /// a_j ~ Beta(s_j, s_j), s_j = softplus(q_j) + 1.
    case beta
    /// a ~ Dirichlet(softplus(q) + 1) over the features.
    case dirichlet
    /// a one-hot ~ Multinomial(1, softmax(q)) over the features.
    case multinomial
    /// a_j ~ Laplace(q_j, 1).
    case laplace
    /// a_j ~ Cauchy(q_j, 1).
    case cauchy
    /// a_j ~ U(0, 1), ignoring q.
    case uniform
}

/// Draws masks for a batch, with scratch space allocated once per feature count.
public final class MaskSampler {
    /// The distribution sampled.
    public let distribution: MaskDistribution
    /// Features per example (64).
    public let features: Int
    private let weights: UnsafeMutableBufferPointer<Double>
    private let draws: UnsafeMutableBufferPointer<Double>
    private let shapes: UnsafeMutableBufferPointer<Float>

    /// Makes a sampler for `features`-wide masks.
    public init(_ distribution: MaskDistribution, features: Int) {
        self.distribution = distribution
        self.features = features
        weights = .allocate(capacity: features)
        draws = .allocate(capacity: features)
        shapes = .allocate(capacity: features)
    }

    deinit {
        weights.deallocate()
        draws.deallocate()
        shapes.deallocate()
    }

    /// Writes one mask per row of `probabilities` into `mask`.
    ///
    /// - Parameters:
    ///   - probabilities: `[batch, features]` row-major, values in (0, 1).
    ///   - mask: `[batch, features]` row-major output.
    ///   - temperature: the gumbel-softmax temperature (ignored by the others).
    public func sample(_ probabilities: UnsafePointer<Float>, into mask: UnsafeMutablePointer<Float>, batch: Int, temperature: Double, generator: inout SeededGenerator) {
        let d = features
        for row in 0..<batch {
            let q = probabilities + row * d, a = mask + row * d
            switch distribution {
            case .bernoulli:
                for j in 0..<d { a[j] = generator.bernoulli(Double(q[j])) ? 1 : 0 }
            case .gaussian:
                for j in 0..<d { a[j] = Float(generator.normal(mean: Double(q[j]))) }
            case .laplace:
                for j in 0..<d { a[j] = Float(generator.laplace(location: Double(q[j]))) }
            case .cauchy:
                for j in 0..<d { a[j] = Float(generator.cauchy(location: Double(q[j]))) }
            case .uniform:
                for j in 0..<d { a[j] = Float(generator.nextDouble()) }
            case .beta:
                VectorMath.softplus(q, plus: 1, into: shapes.baseAddress!, count: d)
                generator.symmetricBeta(shapes.baseAddress!, into: a, count: d)
            case .dirichlet:
                for j in 0..<d { weights[j] = Self.softplus(Double(q[j])) + 1 }
                generator.dirichlet(UnsafeBufferPointer(weights), into: draws)
                for j in 0..<d { a[j] = Float(draws[j]) }
            case .gumbelSoftmax:
                for j in 0..<d { weights[j] = (log(Double(q[j])) + generator.gumbel()) / temperature }
                Self.softmax(weights)
                for j in 0..<d { a[j] = Float(weights[j]) }
            case .multinomial:
                for j in 0..<d { weights[j] = Double(q[j]) }
                Self.softmax(weights)
                let chosen = generator.categorical(UnsafeBufferPointer(weights))
                for j in 0..<d { a[j] = j == chosen ? 1 : 0 }
            }
        }
    }

    private static func softplus(_ x: Double) -> Double { x > 20 ? x : log1p(exp(x)) }

    private static func softmax(_ values: UnsafeMutableBufferPointer<Double>) {
        var largest = -Double.infinity
        for v in values { largest = max(largest, v) }
        var total = 0.0
        for i in values.indices {
            values[i] = exp(values[i] - largest)
            total += values[i]
        }
        for i in values.indices { values[i] /= total }
    }
}
