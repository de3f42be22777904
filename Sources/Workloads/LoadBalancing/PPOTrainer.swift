#if canImport(Glibc)
import Glibc
#endif
import KANKit

/// PPO with a Gaussian policy whose mean is `actor(state)` and whose log-sd is one learned
/// scalar, and a critic `critic(state)`, trained on the load-balancing simulator.
///
/// Layout: the rollout keeps `rolloutSteps` rows of `featureCount` normalised features
/// (row-major), and per step the unsquashed action, its log-probability, the value, the
/// normalised reward and whether the episode ended. Everything is allocated at init.
final class PPOTrainer {
    let settings: PPOSettings
    /// The network giving the policy mean, `[batch, 10] -> [batch, 1]`.
    let actor: any Layer
    /// The value network, `[batch, 10] -> [batch, 1]`.
    let critic: any Layer
    /// The policy's log standard deviation, shape `[1]`.
    let logStd: Parameter
    let squash: ActionSquash
    private(set) var environment: LoadBalancingEnvironment
    private(set) var observationStatistics: RunningMeanVariance
    private var returnStatistics = RunningMeanVariance(dimension: 1)
    private var discountedReturn = 0.0
    private let optimizer: AdamW
    private let trainable: [Parameter]
    private var random: SeededGenerator
    private(set) var updatesDone = 0

    private let features = TwoPathNetwork.featureCount
    private let rawObservation: UnsafeMutablePointer<Float>
    /// The normalised observation the next action is chosen from.
    private let currentObservation: Tensor
    private let observations: UnsafeMutablePointer<Float>
    private let actions: UnsafeMutablePointer<Double>
    private let logProbs: UnsafeMutablePointer<Double>
    private let values: UnsafeMutablePointer<Double>
    private let rewards: UnsafeMutablePointer<Double>
    private let dones: UnsafeMutablePointer<Bool>
    private let advantages: UnsafeMutablePointer<Double>
    private let returns: UnsafeMutablePointer<Double>
    private let order: UnsafeMutablePointer<Int>
    private let batchObservations: Tensor
    private let meanGradient: Tensor
    private let valueGradient: Tensor
    /// Nine Double columns of one minibatch for the loss: means, actions, old log-probs,
    /// advantages, values, old values, returns, dLoss/dMean, dLoss/dValue.
    private let lossColumns: UnsafeMutablePointer<Double>

    /// A trainer on a fresh environment seeded from `seed`.
    init(settings: PPOSettings, simulator: SimulatorSettings, actor: any Layer, critic: any Layer,
         squash: ActionSquash, seed: UInt64) {
        self.settings = settings
        self.actor = actor
        self.critic = critic
        self.squash = squash
        actor.needsInputGradient = false
        critic.needsInputGradient = false
        logStd = Parameter(name: "log_std", shape: [1])
        logStd.value[0] = Float(settings.initialLogStd)
        var seeds = SeededGenerator(seed: seed)
        environment = LoadBalancingEnvironment(simulator, seed: seeds.next())
        random = seeds.split()
        trainable = actor.parameters + [logStd] + critic.parameters
        optimizer = AdamW(parameters: trainable, learningRate: Float(settings.learningRate), epsilon: 1e-5, weightDecay: 0)
        observationStatistics = RunningMeanVariance(dimension: features)

        let steps = settings.rolloutSteps, batch = settings.minibatchSize
        rawObservation = .allocate(capacity: features)
        currentObservation = Tensor(shape: [1, features])
        observations = .allocate(capacity: steps * features)
        actions = .allocate(capacity: steps)
        logProbs = .allocate(capacity: steps)
        values = .allocate(capacity: steps)
        rewards = .allocate(capacity: steps)
        dones = .allocate(capacity: steps)
        advantages = .allocate(capacity: steps)
        returns = .allocate(capacity: steps)
        order = .allocate(capacity: steps)
        for i in 0..<steps { order[i] = i }
        batchObservations = Tensor(shape: [batch, features])
        meanGradient = Tensor(shape: [batch, 1])
        valueGradient = Tensor(shape: [batch, 1])
        lossColumns = .allocate(capacity: 9 * batch)
        observeEnvironment()
    }

    deinit {
        rawObservation.deallocate()
        observations.deallocate()
        actions.deallocate()
        logProbs.deallocate()
        values.deallocate()
        rewards.deallocate()
        dones.deallocate()
        advantages.deallocate()
        returns.deallocate()
        order.deallocate()
        lossColumns.deallocate()
    }

    /// Reads the environment's state into `currentObservation`, updating the running
    /// statistics first (like Gym's `NormalizeObservation`).
    private func observeEnvironment() {
        environment.observe(into: rawObservation)
        if settings.normalizeObservations {
            observationStatistics.update(rawObservation)
            observationStatistics.normalize(rawObservation, into: currentObservation.data, clip: settings.normalizationClip)
        } else {
            currentObservation.data.update(from: rawObservation, count: features)
        }
    }

    /// What one `iterate()` did.
    struct UpdateReport {
        /// Simulator metrics of the rollout (agent and baselines).
        var environment: [String: Double]
        /// Loss parts averaged over the update's minibatches.
        var loss: PPOLoss.Statistics
        /// Fraction of the return's variance the critic explains.
        var explainedVariance: Double
        var learningRate: Double
    }

    /// Collects one rollout and runs PPO's update epochs on it.
    func iterate() -> UpdateReport {
        if settings.annealLearningRate {
            let remaining = 1 - Double(updatesDone) / Double(settings.updates)
            optimizer.learningRate = Float(remaining * settings.learningRate)
        }
        environment.clearTallies()
        collectRollout()
        let environmentMetrics = environment.metrics
        let explained = computeAdvantages()
        let loss = optimize()
        updatesDone += 1
        return UpdateReport(environment: environmentMetrics, loss: loss, explainedVariance: explained,
                            learningRate: Double(optimizer.learningRate))
    }

    private func collectRollout() {
        let sd = exp(Double(logStd.value[0]))
        for t in 0..<settings.rolloutSteps {
            (observations + t * features).update(from: currentObservation.data, count: features)
            let mean = Double(actor.forward(currentObservation)[0])
            values[t] = Double(critic.forward(currentObservation)[0])
            let z = mean + sd * random.normal()
            actions[t] = z
            logProbs[t] = PPOLoss.logProbability(action: z, mean: mean, logStd: Double(logStd.value[0]))
            let (reward, done) = environment.step(action: squash.split(z))
            rewards[t] = scaledReward(reward, done: done)
            dones[t] = done
            observeEnvironment()
        }
    }

    /// Gym's `NormalizeReward`: divides by the running sd of the discounted return.
    private func scaledReward(_ reward: Double, done: Bool) -> Double {
        guard settings.normalizeRewards else { return reward }
        discountedReturn = discountedReturn * settings.gamma + reward
        returnStatistics.update(discountedReturn)
        if done { discountedReturn = 0 }
        let scaled = reward / (returnStatistics.variance[0] + 1e-8).squareRoot()
        return min(settings.normalizationClip, max(-settings.normalizationClip, scaled))
    }

    /// GAE(lambda) advantages and returns; bootstraps from the current observation.
    /// - Returns: the explained variance of the returns by the values.
    private func computeAdvantages() -> Double {
        let steps = settings.rolloutSteps
        var nextValue = Double(critic.forward(currentObservation)[0])
        var running = 0.0
        for t in stride(from: steps - 1, through: 0, by: -1) {
            let live = dones[t] ? 0.0 : 1.0
            let delta = rewards[t] + settings.gamma * nextValue * live - values[t]
            running = delta + settings.gamma * settings.gaeLambda * live * running
            advantages[t] = running
            returns[t] = running + values[t]
            nextValue = values[t]
        }
        var returnMean = 0.0, residualMean = 0.0
        for t in 0..<steps {
            returnMean += returns[t]
            residualMean += returns[t] - values[t]
        }
        returnMean /= Double(steps)
        residualMean /= Double(steps)
        var returnVariance = 0.0, residualVariance = 0.0
        for t in 0..<steps {
            returnVariance += (returns[t] - returnMean) * (returns[t] - returnMean)
            let residual = returns[t] - values[t] - residualMean
            residualVariance += residual * residual
        }
        return returnVariance > 0 ? 1 - residualVariance / returnVariance : .nan
    }

    private func optimize() -> PPOLoss.Statistics {
        let steps = settings.rolloutSteps, batch = settings.minibatchSize
        let columns = (0..<9).map { lossColumns + $0 * batch }
        let (means, taken, oldLogProbs, batchAdvantages, batchValues, oldValues, batchReturns, dMean, dValue) =
            (columns[0], columns[1], columns[2], columns[3], columns[4], columns[5], columns[6], columns[7], columns[8])
        var total = PPOLoss.Statistics()
        var minibatchCount = 0
        for _ in 0..<settings.updateEpochs {
            for i in stride(from: steps - 1, to: 0, by: -1) {
                let j = random.index(below: i + 1)
                (order[i], order[j]) = (order[j], order[i])
            }
            for start in stride(from: 0, to: steps, by: batch) {
                for b in 0..<batch {
                    let t = order[start + b]
                    (batchObservations.data + b * features).update(from: observations + t * features, count: features)
                    taken[b] = actions[t]
                    oldLogProbs[b] = logProbs[t]
                    batchAdvantages[b] = advantages[t]
                    oldValues[b] = values[t]
                    batchReturns[b] = returns[t]
                }
                optimizer.zeroGradients()
                let meanOutput = actor.forward(batchObservations)
                let valueOutput = critic.forward(batchObservations)
                for b in 0..<batch {
                    means[b] = Double(meanOutput[b])
                    batchValues[b] = Double(valueOutput[b])
                }
                var dLogStd = 0.0
                let stats = settings.loss.evaluate(
                    count: batch, means: means, logStd: Double(logStd.value[0]), actions: taken,
                    oldLogProbs: oldLogProbs, advantages: batchAdvantages, values: batchValues,
                    oldValues: oldValues, returns: batchReturns, meanGradient: dMean, valueGradient: dValue,
                    logStdGradient: &dLogStd)
                for b in 0..<batch {
                    meanGradient[b] = Float(dMean[b])
                    valueGradient[b] = Float(dValue[b])
                }
                _ = actor.backward(meanGradient)
                _ = critic.backward(valueGradient)
                logStd.gradient[0] += Float(dLogStd)
                GradientClipping.clip(trainable, globalNorm: Float(settings.maxGradientNorm))
                optimizer.step()
                total.add(stats)
                minibatchCount += 1
            }
        }
        total.scale(by: 1 / Double(minibatchCount))
        return total
    }

    /// `count` normalised observations spread evenly over the latest rollout, `[count, 10]`
    /// (at most the rollout's length): representative inputs for symbolic fitting, covering
    /// every time of day the rollout saw rather than its last stretch.
    func rolloutObservations(count: Int) -> Tensor {
        let count = min(count, settings.rolloutSteps)
        let samples = Tensor(shape: [count, features])
        for s in 0..<count {
            let t = s * settings.rolloutSteps / count
            (samples.data + s * features).update(from: observations + t * features, count: features)
        }
        return samples
    }

    /// The deterministic policy's split for a normalised observation `[1, 10]`.
    func greedySplit(_ observation: Tensor) -> Double {
        squash.split(Double(actor.forward(observation)[0]))
    }
}

extension PPOLoss.Statistics {
    /// Adds another minibatch's figures.
    mutating func add(_ other: Self) {
        total += other.total
        policy += other.policy
        value += other.value
        entropy += other.entropy
        approximateKL += other.approximateKL
        clipFraction += other.clipFraction
    }

    /// Multiplies every figure by `factor` (to average).
    mutating func scale(by factor: Double) {
        total *= factor
        policy *= factor
        value *= factor
        entropy *= factor
        approximateKL *= factor
        clipFraction *= factor
    }
}
