import Foundation
import KANKit
import Testing

@Suite("Seeded generator and samplers")
struct RandomTests {
    @Test func streamMatchesIndependentReference() {
        // Values from an independent Python implementation of SplitMix64 + xoshiro256**.
        var generator = SeededGenerator(seed: 42)
        #expect((0..<4).map { _ in generator.next() } == [0x1578_0b2e_0c2e_c716, 0x6104_d986_6d11_3a7e, 0xae17_5332_39e4_99a1, 0xecb8_ad47_03b3_60a1])
        var zero = SeededGenerator(seed: 0)
        #expect(zero.next() == 0x99ec_5f36_cb75_f2b4)
    }

    /// Mean and variance of `count` draws.
    private func moments(_ count: Int = 200_000, seed: UInt64 = 1, _ draw: (inout SeededGenerator) -> Double) -> (mean: Double, variance: Double) {
        var generator = SeededGenerator(seed: seed)
        var sum = 0.0, squares = 0.0
        for _ in 0..<count {
            let x = draw(&generator)
            sum += x
            squares += x * x
        }
        let mean = sum / Double(count)
        return (mean, squares / Double(count) - mean * mean)
    }

    /// Expects the sample mean within 5 standard errors and the variance within 3%.
    private func expectMoments(_ observed: (mean: Double, variance: Double), mean: Double, variance: Double, count: Int = 200_000) {
        let standardError = (variance / Double(count)).squareRoot()
        #expect(abs(observed.mean - mean) < 5 * standardError, "mean \(observed.mean) vs \(mean)")
        #expect(abs(observed.variance - variance) < 0.03 * variance, "variance \(observed.variance) vs \(variance)")
    }

    @Test func uniformNormalBernoulli() {
        expectMoments(moments { Double($0.uniform(Float(-2), Float(4))) }, mean: 1, variance: 3)
        expectMoments(moments { $0.normal(mean: 1.5, standardDeviation: 2) }, mean: 1.5, variance: 4)
        expectMoments(moments { $0.bernoulli(0.3) ? 1 : 0 }, mean: 0.3, variance: 0.21)
    }

    @Test(arguments: [0.3, 1.0, 2.5, 9.0])
    func gamma(shape: Double) {
        expectMoments(moments { $0.gamma(shape: shape, scale: 1.5) }, mean: shape * 1.5, variance: shape * 2.25)
    }

    @Test func betaMoments() {
        // Cheng's algorithm (both shapes above 1), asymmetric and in either order, and the
        // Gamma-ratio path (a shape at most 1).
        for (a, b) in [(2.0, 5.0), (5.0, 2.0), (1.4, 1.4), (0.7, 3.0)] {
            expectMoments(moments { Double($0.beta(Float(a), Float(b))) }, mean: a / (a + b), variance: a * b / ((a + b) * (a + b) * (a + b + 1)))
        }
    }

    /// Kolmogorov–Smirnov distance of 200,000 draws from the exact CDF, for shapes whose
    /// regularised incomplete beta function is a polynomial; 0.0044 is the 0.1 % critical value.
    @Test(arguments: [(Float(2), Float(2)), (2, 5), (5, 2)])
    func betaDistributionMatchesItsCDF(a: Float, b: Float) {
        let cdf: (Double) -> Double
        switch (a, b) {
        case (2, 2): cdf = { x in x * x * (3 - 2 * x) }
        case (2, 5): cdf = { x in 1 - pow(1 - x, 6) - 6 * x * pow(1 - x, 5) }
        default: cdf = { x in pow(x, 6) + 6 * pow(x, 5) * (1 - x) }  // Beta(5, 2): its mirror image
        }
        var generator = SeededGenerator(seed: 11)
        let n = 200_000
        let draws = (0..<n).map { _ in Double(generator.beta(a, b)) }.sorted()
        var distance = 0.0
        for (i, x) in draws.enumerated() {
            let f = cdf(x)
            distance = max(distance, abs(f - Double(i) / Double(n)), abs(Double(i + 1) / Double(n) - f))
        }
        #expect(draws.first! > 0 && draws.last! < 1)
        #expect(distance < 0.0044, "KS distance \(distance) for Beta(\(a), \(b))")
    }

    /// The batch sampler: Beta(2, 2) against its CDF (a count that leaves a scalar tail), and
    /// interleaved shapes each with its own moments.
    @Test func symmetricBetaBatches() {
        let n = 200_003
        var generator = SeededGenerator(seed: 12)
        var draws = [Float](repeating: -1, count: n)
        let twos = [Float](repeating: 2, count: n)
        draws.withUnsafeMutableBufferPointer { generator.symmetricBeta(twos, into: $0.baseAddress!, count: n) }
        let sorted = draws.map(Double.init).sorted()
        var distance = 0.0
        for (i, x) in sorted.enumerated() {
            let f = x * x * (3 - 2 * x)
            distance = max(distance, abs(f - Double(i) / Double(n)), abs(Double(i + 1) / Double(n) - f))
        }
        #expect(sorted.first! > 0 && sorted.last! < 1)
        #expect(distance < 0.0044, "KS distance \(distance)")

        let shapes: [Float] = (0..<n).map { $0 % 3 == 0 ? 1.5 : 4 }
        draws.withUnsafeMutableBufferPointer { generator.symmetricBeta(shapes, into: $0.baseAddress!, count: n) }
        for shape in [1.5, 4.0] {
            let picked = zip(shapes, draws).filter { Double($0.0) == shape }.map { Double($0.1) }
            let mean = picked.reduce(0, +) / Double(picked.count)
            let variance = picked.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(picked.count)
            expectMoments((mean, variance), mean: 0.5, variance: 1 / (4 * (2 * shape + 1)), count: picked.count)
        }
    }

    @Test func softplusMatchesLibm() {
        let x = (0..<2_001).map { Float($0 - 1_000) / 40 }  // -25 ... 25
        var y = [Float](repeating: 0, count: x.count)
        y.withUnsafeMutableBufferPointer { VectorMath.softplus(x, plus: 1, into: $0.baseAddress!, count: x.count) }
        for (xi, yi) in zip(x, y) {
            let exact = log1p(exp(Double(xi))) + 1
            #expect(abs(Double(yi) - exact) <= 4e-7 * exact, "softplus(\(xi)) + 1 = \(yi), libm \(exact)")
        }
    }

    @Test func dirichlet() {
        let alpha: [Double] = [0.5, 1.5, 3]
        let total = alpha.reduce(0, +)
        for k in 0..<3 {
            let mean = alpha[k] / total, variance = alpha[k] * (total - alpha[k]) / (total * total * (total + 1))
            let observed = moments(100_000) { generator -> Double in
                var output = [Double](repeating: 0, count: 3)
                alpha.withUnsafeBufferPointer { a in output.withUnsafeMutableBufferPointer { generator.dirichlet(a, into: $0) } }
                return output[k]
            }
            expectMoments(observed, mean: mean, variance: variance, count: 100_000)
        }
    }

    @Test func gumbelAndLaplace() {
        expectMoments(moments { $0.gumbel(location: 1, scale: 2) }, mean: 1 + 2 * 0.5772156649, variance: Double.pi * Double.pi / 6 * 4)
        expectMoments(moments { $0.laplace(location: -1, scale: 0.5) }, mean: -1, variance: 2 * 0.25)
    }

    @Test func cauchyQuartiles() {
        // No mean or variance: check the median and quartiles (location ± scale).
        var generator = SeededGenerator(seed: 3)
        var draws = (0..<100_001).map { _ in generator.cauchy(location: 2, scale: 3) }
        draws.sort()
        #expect(abs(draws[50_000] - 2) < 0.05)
        #expect(abs(draws[25_000] - -1) < 0.1 && abs(draws[75_000] - 5) < 0.1)
    }

    @Test func categoricalAndMultinomial() {
        let weights: [Double] = [1, 0, 3, 4]
        var generator = SeededGenerator(seed: 4)
        var counts = [Int](repeating: 0, count: 4)
        weights.withUnsafeBufferPointer { w in
            counts.withUnsafeMutableBufferPointer { generator.multinomial(trials: 80_000, w, into: $0) }
        }
        #expect(counts.reduce(0, +) == 80_000 && counts[1] == 0)
        for k in [0, 2, 3] {
            let p = weights[k] / 8, expected = 80_000 * p, sd = (80_000 * p * (1 - p)).squareRoot()
            #expect(abs(Double(counts[k]) - expected) < 5 * sd)
        }
    }

    @Test func indexBelowIsUniform() {
        expectMoments(moments { Double($0.index(below: 10)) }, mean: 4.5, variance: 8.25)
    }
}
