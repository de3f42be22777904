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

    @Test func beta() {
        let (a, b) = (2.0, 5.0)
        expectMoments(moments { $0.beta(a, b) }, mean: a / (a + b), variance: a * b / ((a + b) * (a + b) * (a + b + 1)))
        // The workload's symmetric case Beta(s, s) with s in (1, 2].
        expectMoments(moments { $0.beta(1.4, 1.4) }, mean: 0.5, variance: 1.96 / (7.84 * 3.8))
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
