#if canImport(Glibc)
import Glibc
#endif
import Testing
import KANKit
@testable import Workloads

/// Checks PPOLoss's hand-written gradient against central finite differences in Double.
@Suite struct LoadBalancingPPOLossTests {
    struct Minibatch {
        var means: [Double], actions: [Double], oldLogProbs: [Double], advantages: [Double]
        var values: [Double], oldValues: [Double], returns: [Double]
    }

    /// A minibatch where ratios fall both inside and outside the clip range, and values
    /// both inside and outside the value clip.
    static func minibatch(count: Int, logStd: Double) -> Minibatch {
        var batch = Minibatch(means: [], actions: [], oldLogProbs: [], advantages: [], values: [], oldValues: [], returns: [])
        for i in 0..<count {
            let t = Double(i)
            let mean = 0.4 * sin(1.3 * t), action = mean + 0.8 * cos(2.1 * t + 0.3)
            batch.means.append(mean)
            batch.actions.append(action)
            // Old log-probs shifted per sample so the ratio ranges over roughly exp(+-0.5).
            batch.oldLogProbs.append(PPOLoss.logProbability(action: action, mean: mean + 0.05 * t, logStd: logStd) + 0.5 * sin(0.7 * t))
            batch.advantages.append(sin(3.7 * t) + 0.2)
            batch.oldValues.append(0.5 * cos(t))
            batch.values.append(0.5 * cos(t) + 0.4 * sin(2.9 * t))
            batch.returns.append(cos(1.7 * t))
        }
        return batch
    }

    func evaluate(_ loss: PPOLoss, _ b: Minibatch, logStd: Double) -> (PPOLoss.Statistics, [Double], [Double], Double) {
        var dMean = [Double](repeating: 0, count: b.means.count), dValue = dMean, dLogStd = 0.0
        let stats = loss.evaluate(
            count: b.means.count, means: b.means, logStd: logStd, actions: b.actions, oldLogProbs: b.oldLogProbs,
            advantages: b.advantages, values: b.values, oldValues: b.oldValues, returns: b.returns,
            meanGradient: &dMean, valueGradient: &dValue, logStdGradient: &dLogStd)
        return (stats, dMean, dValue, dLogStd)
    }

    @Test(arguments: [true, false])
    func gradientMatchesCentralDifferences(clipValueLoss: Bool) {
        let loss = PPOLoss(clip: 0.2, entropyCoefficient: 0.01, valueCoefficient: 0.5, clipValueLoss: clipValueLoss)
        let logStd = -0.3, h = 1e-6
        let batch = Self.minibatch(count: 16, logStd: logStd)
        let (stats, dMean, dValue, dLogStd) = evaluate(loss, batch, logStd: logStd)
        #expect(stats.clipFraction > 0 && stats.clipFraction < 1, "the check must cover both clip branches")
        for i in batch.means.indices {
            var plus = batch, minus = batch
            plus.means[i] += h
            minus.means[i] -= h
            let numeric = (evaluate(loss, plus, logStd: logStd).0.total - evaluate(loss, minus, logStd: logStd).0.total) / (2 * h)
            #expect(abs(numeric - dMean[i]) <= 1e-6 + 1e-5 * abs(numeric), "dLoss/dMean[\(i)]")
            plus = batch
            minus = batch
            plus.values[i] += h
            minus.values[i] -= h
            let numericValue = (evaluate(loss, plus, logStd: logStd).0.total - evaluate(loss, minus, logStd: logStd).0.total) / (2 * h)
            #expect(abs(numericValue - dValue[i]) <= 1e-6 + 1e-5 * abs(numericValue), "dLoss/dValue[\(i)]")
        }
        let numeric = (evaluate(loss, batch, logStd: logStd + h).0.total - evaluate(loss, batch, logStd: logStd - h).0.total) / (2 * h)
        #expect(abs(numeric - dLogStd) <= 1e-6 + 1e-5 * abs(numeric))
    }

    @Test func logProbabilityIsTheGaussianDensity() {
        let logStd = 0.4, sd = exp(logStd)
        for x in stride(from: -2.0, through: 2.0, by: 0.5) {
            let density = exp(-0.5 * (x - 0.3) * (x - 0.3) / (sd * sd)) / (sd * (2 * Double.pi).squareRoot())
            #expect(abs(exp(PPOLoss.logProbability(action: x, mean: 0.3, logStd: logStd)) - density) < 1e-12)
        }
    }

    @Test func unchangedPolicyHasUnitRatiosAndNoKL() {
        let loss = PPOLoss(clip: 0.2, entropyCoefficient: 0, valueCoefficient: 0.5, clipValueLoss: true)
        var batch = Self.minibatch(count: 8, logStd: 0)
        for i in batch.means.indices {
            batch.oldLogProbs[i] = PPOLoss.logProbability(action: batch.actions[i], mean: batch.means[i], logStd: 0)
        }
        let stats = evaluate(loss, batch, logStd: 0).0
        #expect(abs(stats.approximateKL) < 1e-15 && stats.clipFraction == 0)
        // Normalised advantages average to zero, so with unit ratios the policy loss is zero.
        #expect(abs(stats.policy) < 1e-12)
    }
}

/// The fast tanh layer against libm and its backward against central differences.
@Suite struct LoadBalancingRationalTanhTests {
    @Test func matchesLibmAndItsGradient() {
        let count = 203  // not a multiple of 8: exercises the scalar tail
        let layer = RationalTanh()
        let input = Tensor(shape: [1, count])
        for i in 0..<count { input[i] = Float(i - 101) * 0.09 }
        input[0] = 1e-5
        let output = layer.forward(input)
        for i in 0..<count {
            #expect(abs(Double(output[i]) - tanh(Double(input[i]))) <= 4e-7 * max(1e-3, abs(tanh(Double(input[i])))) + 1e-9)
        }
        let gradOutput = Tensor(shape: [1, count])
        for i in 0..<count { gradOutput[i] = Float(i % 7) - 3 }
        let gradInput = layer.backward(gradOutput)
        for i in 0..<count {
            let x = Double(input[i]), h = 1e-4
            let numeric = (tanh(x + h) - tanh(x - h)) / (2 * h) * Double(gradOutput[i])
            #expect(abs(Double(gradInput[i]) - numeric) <= 1e-5 * (1 + abs(numeric)))
        }
    }
}
