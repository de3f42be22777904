#if canImport(Glibc)
import Glibc
#endif

/// The PPO objective for a one-dimensional Gaussian policy and a scalar critic, with its
/// hand-written gradient (CleanRL's `ppo_continuous_action` loss).
///
/// `loss = mean_i max(-A_i r_i, -A_i clip(r_i, 1-eps, 1+eps)) - entropyCoefficient * H
///         + valueCoefficient * 0.5 * mean_i max((v_i - R_i)^2, (v_old_i + clip(v_i - v_old_i, -eps, eps) - R_i)^2)`
/// with `r_i = exp(log N(z_i; mu_i, exp(logStd)) - logProbOld_i)` and `H` the Gaussian's entropy.
/// Advantages are normalised over the minibatch first (mean 0, unbiased sd 1).
/// Computed in Double: the minibatch is small and the check against finite differences is exact.
struct PPOLoss: Sendable, Hashable {
    /// The ratio clip `eps`, also used for the value clip.
    var clip: Double
    /// Weight of the entropy bonus.
    var entropyCoefficient: Double
    /// Weight of the value loss.
    var valueCoefficient: Double
    /// Whether the value loss is clipped around the old values.
    var clipValueLoss: Bool

    /// `0.5 * log(2 pi)`.
    static let halfLogTwoPi = 0.5 * log(2 * Double.pi)

    /// Log-density of `action` under N(mean, exp(logStd)^2).
    @inline(__always)
    static func logProbability(action: Double, mean: Double, logStd: Double) -> Double {
        let standardized = (action - mean) * exp(-logStd)
        return -0.5 * standardized * standardized - logStd - halfLogTwoPi
    }

    /// Loss parts and diagnostics of one minibatch.
    struct Statistics: Sendable {
        var total = 0.0
        var policy = 0.0
        var value = 0.0
        var entropy = 0.0
        /// Mean of `(r - 1) - log r`, the low-variance KL estimate.
        var approximateKL = 0.0
        /// Fraction of samples whose ratio was outside the clip range.
        var clipFraction = 0.0
    }

    /// The minibatch's loss; writes dLoss/dMean and dLoss/dValue per sample (overwriting)
    /// and returns dLoss/dLogStd.
    ///
    /// - Parameters:
    ///   - count: Minibatch size B (at least 2, for the advantage's sd).
    ///   - means, actions, oldLogProbs, advantages, values, oldValues, returns: B values each.
    ///   - meanGradient, valueGradient: B writable values each.
    func evaluate(
        count: Int, means: UnsafePointer<Double>, logStd: Double, actions: UnsafePointer<Double>,
        oldLogProbs: UnsafePointer<Double>, advantages: UnsafePointer<Double>,
        values: UnsafePointer<Double>, oldValues: UnsafePointer<Double>, returns: UnsafePointer<Double>,
        meanGradient: UnsafeMutablePointer<Double>, valueGradient: UnsafeMutablePointer<Double>,
        logStdGradient: inout Double
    ) -> Statistics {
        let n = Double(count)
        var advantageMean = 0.0
        for i in 0..<count { advantageMean += advantages[i] }
        advantageMean /= n
        var advantageSquares = 0.0
        for i in 0..<count { advantageSquares += (advantages[i] - advantageMean) * (advantages[i] - advantageMean) }
        let advantageScale = 1 / ((advantageSquares / (n - 1)).squareRoot() + 1e-8)

        var stats = Statistics()
        let inverseVariance = exp(-2 * logStd)
        var dLogStd = 0.0
        for i in 0..<count {
            let advantage = (advantages[i] - advantageMean) * advantageScale
            let deviation = actions[i] - means[i]
            let logRatio = Self.logProbability(action: actions[i], mean: means[i], logStd: logStd) - oldLogProbs[i]
            let ratio = exp(logRatio)
            let clipped = min(1 + clip, max(1 - clip, ratio))
            let unclippedLoss = -advantage * ratio, clippedLoss = -advantage * clipped
            // The max picks the unclipped term unless the clipped one is larger, and the
            // clipped term has no gradient once the ratio is outside the range.
            let dLossDRatio: Double
            if unclippedLoss >= clippedLoss {
                stats.policy += unclippedLoss
                dLossDRatio = -advantage
            } else {
                stats.policy += clippedLoss
                dLossDRatio = 0
            }
            let dLossDLogProb = dLossDRatio * ratio / n
            meanGradient[i] = dLossDLogProb * deviation * inverseVariance
            dLogStd += dLossDLogProb * (deviation * deviation * inverseVariance - 1)
            stats.approximateKL += (ratio - 1) - logRatio
            if abs(ratio - 1) > clip { stats.clipFraction += 1 }

            let error = values[i] - returns[i]
            if clipValueLoss {
                let step = values[i] - oldValues[i]
                let clippedError = oldValues[i] + min(clip, max(-clip, step)) - returns[i]
                if error * error >= clippedError * clippedError {
                    stats.value += error * error
                    valueGradient[i] = valueCoefficient * error / n
                } else {
                    stats.value += clippedError * clippedError
                    valueGradient[i] = abs(step) < clip ? valueCoefficient * clippedError / n : 0
                }
            } else {
                stats.value += error * error
                valueGradient[i] = valueCoefficient * error / n
            }
        }
        stats.policy /= n
        stats.value = 0.5 * stats.value / n
        stats.entropy = logStd + 0.5 + Self.halfLogTwoPi
        stats.approximateKL /= n
        stats.clipFraction /= n
        stats.total = stats.policy - entropyCoefficient * stats.entropy + valueCoefficient * stats.value
        logStdGradient = dLogStd - entropyCoefficient
        return stats
    }
}
