import Foundation
import KANKit
import Testing
import Workloads

@Suite struct HITLMaskDistributionTests {
    static let rows = 2000, features = 64

    /// Masks for q_j = 0.1 + 0.8 j / 63 on every row.
    static func masks(_ distribution: MaskDistribution, temperature: Double = 1) -> (q: [Float], a: [Float]) {
        var q = [Float](repeating: 0, count: rows * features)
        for r in 0..<rows { for j in 0..<features { q[r * features + j] = 0.1 + 0.8 * Float(j) / 63 } }
        var a = [Float](repeating: .nan, count: rows * features)
        var generator = SeededGenerator(seed: 42)
        let sampler = MaskSampler(distribution, features: features)
        q.withUnsafeBufferPointer { qp in
            a.withUnsafeMutableBufferPointer { sampler.sample(qp.baseAddress!, into: $0.baseAddress!, batch: rows, temperature: temperature, generator: &generator) }
        }
        return (q, a)
    }

    /// Mean and variance of feature j over the rows.
    static func moments(_ a: [Float], feature j: Int) -> (mean: Double, variance: Double) {
        var sum = 0.0, squares = 0.0
        for r in 0..<rows {
            let v = Double(a[r * features + j])
            sum += v
            squares += v * v
        }
        let mean = sum / Double(rows)
        return (mean, squares / Double(rows) - mean * mean)
    }

    @Test func bernoulliIsZeroOneWithMeanQ() {
        let (q, a) = Self.masks(.bernoulli)
        #expect(a.allSatisfy { $0 == 0 || $0 == 1 })
        for j in [0, 31, 63] { #expect(abs(Self.moments(a, feature: j).mean - Double(q[j])) < 0.04) }
    }

    @Test(arguments: [(MaskDistribution.gaussian, 1.0), (.laplace, 2.0)])
    func locationFamiliesHaveMeanQAndUnitScale(distribution: MaskDistribution, variance: Double) {
        let (q, a) = Self.masks(distribution)
        for j in [0, 63] {
            let m = Self.moments(a, feature: j)
            #expect(abs(m.mean - Double(q[j])) < 0.1)
            #expect(abs(m.variance - variance) < 0.2 * variance)
        }
    }

    @Test func cauchyHasMedianQ() {
        let (q, a) = Self.masks(.cauchy)
        for j in [0, 63] {
            let column = (0..<Self.rows).map { a[$0 * Self.features + j] }.sorted()
            #expect(abs(Double(column[Self.rows / 2]) - Double(q[j])) < 0.1)
            // Heavy tails: some draws far out.
            #expect(column.first! < -20 && column.last! > 20)
        }
    }

    @Test func betaIsSymmetricInTheUnitIntervalWithTheShapeFromQ() {
        let (q, a) = Self.masks(.beta)
        #expect(a.allSatisfy { $0 > 0 && $0 < 1 })
        for j in [0, 63] {
            let s = log1p(exp(Double(q[j]))) + 1
            let m = Self.moments(a, feature: j)
            #expect(abs(m.mean - 0.5) < 0.02)
            #expect(abs(m.variance - 1 / (4 * (2 * s + 1))) < 0.01)
        }
    }

    @Test(arguments: [MaskDistribution.dirichlet, .gumbelSoftmax])
    func simplexMasksSumToOne(distribution: MaskDistribution) {
        let (_, a) = Self.masks(distribution, temperature: 1)
        #expect(a.allSatisfy { $0 >= 0 && $0 <= 1 })
        for r in 0..<Self.rows {
            let total = a[(r * Self.features)..<((r + 1) * Self.features)].reduce(0, +)
            #expect(abs(total - 1) < 1e-4)
        }
        // Larger q gets more mass on average.
        #expect(Self.moments(a, feature: 63).mean > Self.moments(a, feature: 0).mean)
    }

    @Test func gumbelSoftmaxSharpensAsTheTemperatureFalls() {
        let (_, hot) = Self.masks(.gumbelSoftmax, temperature: 5)
        let (_, cold) = Self.masks(.gumbelSoftmax, temperature: 0.05)
        func meanMax(_ a: [Float]) -> Float {
            (0..<Self.rows).map { r in a[(r * Self.features)..<((r + 1) * Self.features)].max()! }.reduce(0, +) / Float(Self.rows)
        }
        #expect(meanMax(cold) > 0.8)
        #expect(meanMax(hot) < 0.1)
    }

    @Test func multinomialIsOneHotWithSoftmaxFrequencies() {
        let (q, a) = Self.masks(.multinomial)
        for r in 0..<Self.rows {
            let row = a[(r * Self.features)..<((r + 1) * Self.features)]
            #expect(row.filter { $0 == 1 }.count == 1 && row.filter { $0 == 0 }.count == 63)
        }
        let weights = (0..<Self.features).map { exp(Double(q[$0])) }
        let total = weights.reduce(0, +)
        let firstHalf = (0..<32).map { Self.moments(a, feature: $0).mean }.reduce(0, +)
        #expect(abs(firstHalf - weights[0..<32].reduce(0, +) / total) < 0.04)
    }

    @Test func uniformIgnoresQ() {
        let (_, a) = Self.masks(.uniform)
        #expect(a.allSatisfy { $0 >= 0 && $0 < 1 })
        for j in [0, 63] {
            let m = Self.moments(a, feature: j)
            #expect(abs(m.mean - 0.5) < 0.03)
            #expect(abs(m.variance - 1.0 / 12) < 0.01)
        }
    }
}
