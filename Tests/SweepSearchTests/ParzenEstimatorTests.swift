import Foundation
import SweepCore
import Testing

@testable import SweepSearch

/// The estimator against values worked by hand (widths, weights, choice probabilities) and
/// against Optuna 5.1's own `_ParzenEstimator` (log densities; `scripts/tpe_golden.py`).
@Suite struct ParzenEstimatorTests {
    static func close(_ a: [Double], _ b: [Double], tolerance: Double = 1e-12) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= tolerance * max(1, abs($1)) }
    }

    @Test func uniformWidthsFollowOptunasRules() {
        // Observations 2, 3, 7 on [0, 10]. Gaps with the ends as neighbours: 2 -> max(2, 1),
        // 3 -> max(1, 4), 7 -> max(4, 3); the end kernels take their inner gap instead
        // (consider_endpoints off): 1 and 4; magic clip: at least 10 / min(100, 3 + 2) = 2.
        // So widths 2, 4, 4 and the prior's 10 at 5; weights 1/4 each.
        let e = ParzenEstimator(dimension: .uniform(low: 0, high: 10), observations: [7, 2, 3], weights: [1, 1, 1])
        #expect(Self.close(e.centres.map { $0 * 10 }, [2, 3, 7, 5]))
        #expect(Self.close(e.widths.map { $0 * 10 }, [2, 4, 4, 10]))
        #expect(Self.close(e.weights, [0.25, 0.25, 0.25, 0.25]))
        let logs = [0, 2.5, 6, 10].map { e.logDensity($0) }
        #expect(Self.close(logs, [-2.386447068201824, -2.0062675762796136, -2.3799086916190624, -2.8819688374026917]))
    }

    @Test func oneObservationTakesTheLargerGap() {
        // 1 on [0, 10]: max(1, 9) = 9; the prior 10; clip 10 / 3 does not bite.
        let e = ParzenEstimator(dimension: .uniform(low: 0, high: 10), observations: [1], weights: [1])
        #expect(Self.close(e.widths.map { $0 * 10 }, [9, 10]))
        // Hand value: ½ N(1; 1, 9) / mass + ½ N(1; 5, 10) / mass, each mass Φ((10-μ)/σ) - Φ(-μ/σ).
        let phi = { (z: Double) in exp(-0.5 * z * z) / (2 * Double.pi).squareRoot() }
        let cdf = { (z: Double) in 0.5 * erfc(-z / 2.0.squareRoot()) }
        let first = phi(0) / 9 / (cdf(1) - cdf(-1.0 / 9))
        let prior = phi(-0.4) / 10 / (cdf(0.5) - cdf(-0.5))
        #expect(abs(e.logDensity(1) - log(0.5 * first + 0.5 * prior)) < 1e-12)
    }

    @Test func logUniformIsModelledInLogSpace() {
        let e = ParzenEstimator(dimension: .logUniform(low: 1e-4, high: 1e-1), observations: [log(1e-3), log(1e-2)], weights: [1, 1])
        // Widths ln 10 each (the two are ln 10 apart), the prior's ln 1000.
        #expect(Self.close(e.widths.map { $0 * log(1000) }, [log(10), log(10), log(1000)]))
        let logs = [1e-4, 3e-3, 5e-2].map { e.logDensity(log($0)) }
        #expect(Self.close(logs, [-2.3360836571112733, -1.7442851490048137, -2.1342239472451454]))
    }

    @Test func integersAreDiscrete() {
        // 2, 2, 4 on 1...4, i.e. [0.5, 4.5]: widths 0 -> clip 4/5 = 0.8, max(0, 2) = 2, 2.
        let e = ParzenEstimator(dimension: .intUniform(low: 1, high: 4), observations: [2, 4, 2], weights: [1, 1, 1])
        #expect(Self.close(e.widths.map { $0 * 4 }, [0.8, 2, 2, 4]))
        let logs = [1, 2, 3, 4].map { e.logDensity(Double($0)) }
        #expect(Self.close(logs, [-1.5319872995660109, -1.160658873605316, -1.313776875011965, -1.6004205727397847]))
        // Masses of a discrete mixture add up to 1.
        #expect(abs(logs.map { exp($0) }.reduce(0, +) - 1) < 1e-12)
    }

    @Test func choicesAreWeightedCountsPlusThePrior() {
        // 0, 0, 2 of 3 values: each kernel 1/4 of the prior weight (0.25) on every value and
        // 1 on its own, normalised by 1.75: 5/7 on its value, 1/7 elsewhere; the prior 1/3.
        // P(0) = 2/4 · 5/7 + 1/4 · 1/7 + 1/4 · 1/3 = 0.47619...
        let e = ParzenEstimator(dimension: .choice(count: 3), observations: [0, 2, 0], weights: [1, 1, 1])
        #expect(abs(e.choiceProbabilities[0] - (0.5 * 5 / 7 + 0.25 / 7 + 0.25 / 3)) < 1e-15)
        let logs = [0, 1, 2].map { e.logDensity(Double($0)) }
        #expect(Self.close(logs, [-0.7419373447293773, -1.6582280766035324, -1.0986122886681098]))
    }

    @Test func noObservationsIsThePriorAlone() {
        let e = ParzenEstimator(dimension: .uniform(low: 0, high: 1), observations: [], weights: [])
        #expect(e.weights == [1])
        let c = ParzenEstimator(dimension: .choice(count: 4), observations: [], weights: [])
        #expect(c.choiceProbabilities == [0.25, 0.25, 0.25, 0.25])
    }

    @Test func gammaAndWeightsAreOptunas() {
        // min(ceil(0.1 n), 25).
        #expect([0, 1, 10, 11, 30, 249, 250, 251, 1000].map(TPESampler.gamma) == [0, 1, 1, 2, 3, 25, 25, 25, 25])
        #expect(TPESampler.gamma(241) == 25 && TPESampler.gamma(240) == 24)
        let ramp = (0..<6).map { TPESampler.observationWeight(rank: $0, of: 30) }
        #expect(Self.close(ramp, [0.03333333333333333, 0.275, 0.5166666666666667, 0.7583333333333333, 1, 1], tolerance: 1e-15))
        #expect(TPESampler.observationWeight(rank: 0, of: 26) == 1.0 / 26)
        #expect(TPESampler.observationWeight(rank: 1, of: 26) == 1)
        #expect((0..<24).allSatisfy { TPESampler.observationWeight(rank: $0, of: 24) == 1 })
    }

    @Test func expectedImprovementRanksAsOptuna() {
        // Below 2, 2.4; above 5, 7, 8.5, 9, 1 on [0, 10]: log l - log g at five points.
        let l = ParzenEstimator(dimension: .uniform(low: 0, high: 10), observations: [2, 2.4], weights: [1, 1])
        let g = ParzenEstimator(dimension: .uniform(low: 0, high: 10), observations: [5, 7, 8.5, 9, 1], weights: [1, 1, 1, 1, 1])
        let xs = [1.0, 2.2, 3.0, 6.0, 9.5]
        let ei = xs.map { l.logDensity($0) - g.logDensity($0) }
        #expect(Self.close(ei, [0.9524891241968407, 0.971520163286355, 0.8841877142738324, -0.293892090266894, -1.4796702304435363]))
        // The ranking: 2.2 first (between the two good ones), 9.5 last.
        #expect(xs.indices.sorted { ei[$0] > ei[$1] }.map { xs[$0] } == [2.2, 1.0, 3.0, 6.0, 9.5])
    }

    @Test func theJointDensityIsOptunasMultivariateOne() {
        // Trials (x, c, k): (2, a, 1), (3, c, 4), (7, a, 2); x on [0, 10], c of 3, k in 1...4.
        let dims: [SearchDimension] = [.uniform(low: 0, high: 10), .choice(count: 3), .intUniform(low: 1, high: 4)]
        let e = JointParzenEstimator(dimensions: dims, points: [[2, 0, 1], [3, 2, 4], [7, 0, 2]], weights: [1, 1, 1])
        let logs = [[2.5, 0, 1], [6, 2, 2], [9, 1, 4]].map { e.logDensity($0) }
        #expect(Self.close(logs, [-3.550470142548654, -4.82963115281887, -5.721313888919931]), "\(logs)")
        var generator = SplitMix64(seed: 2)
        for _ in 0..<500 {
            let x = e.sample(&generator)
            #expect(x[0] >= 0 && x[0] <= 10 && [0, 1, 2].contains(x[1]) && [1, 2, 3, 4].contains(x[2]), "\(x)")
        }
    }

    @Test func samplesStayInTheirIntervals() {
        var generator = SplitMix64(seed: 7)
        let dims: [SearchDimension] = [.uniform(low: -1, high: 1), .logUniform(low: 1e-5, high: 1e-1), .intUniform(low: 3, high: 5), .choice(count: 3)]
        for dim in dims {
            let (low, high) = dim.bounds
            let obs = (0..<20).map { _ in dim.randomCoordinate(&generator) }
            let e = ParzenEstimator(dimension: dim, observations: obs, weights: Array(repeating: 1, count: 20))
            for _ in 0..<2000 {
                let x = e.sample(&generator)
                #expect(x >= low && x <= high, "\(dim): \(x)")
                if case .intUniform = dim { #expect(x == x.rounded()) }
                if case .choice = dim { #expect([0, 1, 2].contains(x)) }
            }
        }
    }
}
