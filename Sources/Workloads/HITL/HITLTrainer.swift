import KANKit
import SweepCore
#if canImport(Glibc)
import Glibc
#endif

/// One `hitl-ddqn` training run: FSNet, online and target Q-networks, replay buffer,
/// optimiser and every buffer a step needs, allocated once.
///
/// Per step (one batch of the shuffled training stream): FSNet gives F and q, a mask a is
/// sampled, the state is s = F · a (or the raw pixels without feature selection), the
/// action is the greedy class of the online net (random in warm-up, epsilon-greedy
/// after), each example's transition (s, action, reward, s of the next example) enters
/// the replay buffer, and once it holds more than a batch a replayed batch gives the DDQN
/// loss. One AdamW step then updates FSNet (from alpha · feedback cost) and the online net
/// (from SmoothL1 and the KAN regulariser). With `fsnet.q_gradient` the replayed s and s'
/// are recomputed from their stored example and mask with the current conv stack, and the
/// SmoothL1 loss (and regulariser) also reaches that conv stack through s = F · a.
final class HITLTrainer {
    let settings: HITLSettings
    let data: PreparedDataset
    let fsnet: FeatureSelectionNetwork?
    let online: QNetwork
    let target: QNetwork
    let replay: ReplayBuffer
    let optimizer: AdamW
    let sampler: MaskSampler
    private let trainable: [Parameter]
    private let classes: Int
    private let stateSize = PreparedDataset.pixelCount

    private var initGenerator: SeededGenerator
    private var shuffleGenerator: SeededGenerator
    private var maskGenerator: SeededGenerator
    private var exploreGenerator: SeededGenerator
    private var replayGenerator: SeededGenerator
    private var evalSeed: UInt64

    private var order: [Int]
    // Step buffers, by batch size (the last batch of a pass may be smaller).
    private var stepBuffers: [Int: StepBuffers] = [:]
    // Replay batch buffers.
    private let replayState: Tensor, replayNext: Tensor, qGradient: Tensor
    // Q(s, a) of the replayed actions and their DDQN targets, for the SmoothL1 loss.
    private let takenQ: Tensor, targetValue: Tensor
    private let temporalDifferenceLoss = SmoothL1Loss(beta: 1)
    private let replayAction: UnsafeMutablePointer<Int32>, replayReward: UnsafeMutablePointer<Float>, replayDone: UnsafeMutablePointer<Float>
    private let nextAction: UnsafeMutablePointer<Int32>
    // The last example's state of the previous batch, waiting for its successor.
    private let pendingState: UnsafeMutablePointer<Float>
    // With q_gradient: that example's index and mask, the current example's index, and the
    // replay batch's sources and images.
    private let pendingSource: ReplayBuffer.Sources?
    private let replaySources: ReplayBuffer.Sources?
    private let replayImages: Tensor?
    private var pendingAction = 0, pendingReward: Float = 0, hasPending = false

    /// Features selected per example at the last evaluation (64 counts) and the number of examples.
    private(set) var selectionCounts = [Int](repeating: 0, count: PreparedDataset.pixelCount)
    private(set) var probabilitySums = [Double](repeating: 0, count: PreparedDataset.pixelCount)
    private(set) var evaluatedExamples = 0

    init(settings: HITLSettings, data: PreparedDataset) {
        self.settings = settings
        self.data = data
        classes = data.classCount
        var root = SeededGenerator(seed: settings.seed)
        initGenerator = root.split()
        shuffleGenerator = root.split()
        maskGenerator = root.split()
        exploreGenerator = root.split()
        replayGenerator = root.split()
        evalSeed = root.next()
        fsnet = settings.featureSelection
            ? FeatureSelectionNetwork(
                convLayers: settings.convLayers, filters: settings.filters, hidden: settings.fsnetHidden,
                dropout: settings.fsnetDropout, reluLogits: settings.reluBeforeSigmoid, generator: &initGenerator)
            : nil
        online = QNetwork(settings.model, inputs: stateSize, outputs: classes, generator: &initGenerator)
        target = QNetwork(settings.model, inputs: stateSize, outputs: classes, generator: &initGenerator)
        target.copyParameters(from: online)
        let recomputesStates = settings.qGradient && settings.featureSelection
        replay = ReplayBuffer(capacity: settings.buffer, stateSize: stateSize, keepsSources: recomputesStates)
        trainable = (fsnet?.parameters ?? []) + online.parameters
        optimizer = AdamW(parameters: trainable, learningRate: settings.learningRate, weightDecay: settings.weightDecay)
        sampler = MaskSampler(settings.distribution, features: stateSize)
        order = Array(0..<data.train.count)
        let b = settings.batch
        replayState = Tensor(shape: [b, stateSize])
        replayNext = Tensor(shape: [b, stateSize])
        qGradient = Tensor(shape: [b, classes])
        replayAction = .allocate(capacity: b)
        replayReward = .allocate(capacity: b)
        replayDone = .allocate(capacity: b)
        nextAction = .allocate(capacity: b)
        takenQ = Tensor(shape: [b])
        targetValue = Tensor(shape: [b])
        pendingState = .allocate(capacity: stateSize)
        pendingSource = recomputesStates ? .allocate(count: 1, stateSize: stateSize) : nil
        replaySources = recomputesStates ? .allocate(count: b, stateSize: stateSize) : nil
        replayImages = recomputesStates ? Tensor(shape: [b, 1, 8, 8]) : nil
    }

    deinit {
        replayAction.deallocate()
        replayReward.deallocate()
        replayDone.deallocate()
        nextAction.deallocate()
        pendingState.deallocate()
        pendingSource?.deallocate()
        replaySources?.deallocate()
    }

    /// What one training pass measured.
    struct PassResult {
        var trainAccuracy: Double
        var loss: Double
        var feedbackCost: Double
    }

    /// One pass over the shuffled training set (epoch is 0-based).
    func trainEpoch(_ epoch: Int) -> PassResult {
        let n = data.train.count, b = settings.batch
        for i in stride(from: n - 1, to: 0, by: -1) { order.swapAt(i, shuffleGenerator.index(below: i + 1)) }
        let epsilon = settings.epsilon(epoch: epoch)
        let temperature = settings.temperature(epoch: epoch)
        fsnet?.setTraining(true)
        var correct = 0, lossSum = 0.0, updates = 0, feedbackSum = 0.0
        var start = 0
        while start < n {
            let count = min(b, n - start)
            let buffers = stepBuffers(count)
            buffers.gather(order, from: start, split: data.train)
            optimizer.zeroGradients()
            let feedbackCost = computeStates(buffers, temperature: temperature, generator: &maskGenerator, backwardScale: settings.alpha)
            feedbackSum += Double(feedbackCost) * Double(count)
            // Greedy classes of the online net on the current states.
            let q = online.forward(buffers.state)
            for i in 0..<count {
                let greedy = Self.argmax(q.data + i * classes, classes)
                if greedy == Int(buffers.labels[i]) { correct += 1 }
                var action = greedy
                if epoch < settings.warmup || exploreGenerator.nextDouble() < epsilon {
                    action = exploreGenerator.index(below: classes)
                }
                let reward = settings.reward.reward(
                    correct: action == Int(buffers.labels[i]), feedbackError: buffers.exampleFeedbackError[i], alpha: settings.alpha)
                let s = buffers.state.data + i * stateSize
                if hasPending {
                    replay.append(state: pendingState, action: pendingAction, reward: pendingReward, nextState: s, done: false,
                                  source: transitionSource(nextExample: order[start + i], nextMask: buffers.mask.data + i * stateSize))
                }
                pendingState.update(from: s, count: stateSize)
                if let pendingSource {
                    pendingSource.example[0] = Int32(order[start + i])
                    pendingSource.mask.update(from: buffers.mask.data + i * stateSize, count: stateSize)
                }
                pendingAction = action
                pendingReward = reward
                hasPending = true
            }
            if start + count == n {
                // The epoch's last example ends the episode; its successor is never used.
                replay.append(state: pendingState, action: pendingAction, reward: pendingReward, nextState: pendingState, done: true,
                              source: pendingSource.flatMap { transitionSource(nextExample: Int($0.example[0]), nextMask: $0.mask) })
                hasPending = false
            }
            var stepLoss = settings.alpha * feedbackCost
            if replay.count > b {
                stepLoss += replayStep()
            }
            if settings.gradClip > 0 { GradientClipping.clip(trainable, value: settings.gradClip) }
            optimizer.step()
            lossSum += Double(stepLoss)
            updates += 1
            start += count
        }
        return PassResult(
            trainAccuracy: Double(correct) / Double(max(n, 1)), loss: lossSum / Double(max(updates, 1)),
            feedbackCost: feedbackSum / Double(max(n, 1)))
    }

    /// The sources of the transition from the pending example to (`nextExample`, `nextMask`),
    /// or nil when replay keeps none. The next example's index goes into the pending
    /// source's spare slot (`nextExample[0]`), so no storage is allocated per transition.
    private func transitionSource(nextExample: Int, nextMask: UnsafeMutablePointer<Float>) -> ReplayBuffer.Sources? {
        guard let pendingSource else { return nil }
        pendingSource.nextExample[0] = Int32(nextExample)
        return ReplayBuffer.Sources(example: pendingSource.example, mask: pendingSource.mask, nextExample: pendingSource.nextExample, nextMask: nextMask)
    }

    /// Fills `buffers.state` (and per-example feedback errors) for the gathered batch and,
    /// when `backwardScale` is given, back-propagates `backwardScale · MSE(q, f)` into FSNet.
    /// Returns the batch's feedback MSE (0 without feature selection).
    private func computeStates(_ buffers: StepBuffers, temperature: Double, generator: inout SeededGenerator, backwardScale: Float?) -> Float {
        let count = buffers.count
        guard let fsnet else {
            buffers.state.copy(from: buffers.images)
            for i in 0..<count { buffers.exampleFeedbackError[i] = 0 }
            return 0
        }
        let (features, logits, probabilities) = fsnet.forward(buffers.images)
        sampler.sample(settings.maskFromLogits ? logits.data : probabilities.data, into: buffers.mask.data, batch: count, temperature: temperature, generator: &generator)
        let d = stateSize
        var total: Float = 0
        for i in 0..<count {
            var exampleError: Float = 0
            for j in 0..<d {
                let k = i * d + j
                buffers.state.data[k] = features.data[k] * buffers.mask.data[k]
                let diff = probabilities.data[k] - buffers.feedback.data[k]
                exampleError += diff * diff
                if let backwardScale {
                    buffers.probabilityGradient.data[k] = backwardScale * 2 * diff / Float(count * d)
                }
            }
            buffers.exampleFeedbackError[i] = exampleError / Float(d)
            total += exampleError
        }
        if backwardScale != nil { fsnet.backward(probabilityGradient: buffers.probabilityGradient) }
        return total / Float(count * d)
    }

    /// Samples a replay batch, computes the DDQN SmoothL1 loss (plus the KAN regulariser)
    /// and accumulates the online net's gradients (with q_gradient also FSNet's conv
    /// stack's); returns the loss.
    private func replayStep() -> Float {
        let b = settings.batch
        replay.sample(batch: b, state: replayState.data, action: replayAction, reward: replayReward, nextState: replayNext.data, done: replayDone,
                      source: replaySources, generator: &replayGenerator)
        if let sources = replaySources, let images = replayImages, let fsnet {
            // s' only feeds the targets (no gradient); s last, so the conv stack keeps its activations.
            gatherTrainingImages(sources.nextExample, into: images)
            fsnet.selectedFeatures(images, mask: sources.nextMask, into: replayNext)
            gatherTrainingImages(sources.example, into: images)
            fsnet.selectedFeatures(images, mask: sources.mask, into: replayState)
            online.needsStateGradient = true
        }
        // Double DQN: the online net picks a*, the target net values it. Plain DQN (q_target
        // max): the target net picks and values it.
        if !settings.maxTarget {
            let onlineNext = online.forward(replayNext)
            for i in 0..<b { nextAction[i] = Int32(Self.argmax(onlineNext.data + i * classes, classes)) }
        }
        let targetNext = target.forward(replayNext)
        if settings.maxTarget {
            for i in 0..<b { nextAction[i] = Int32(Self.argmax(targetNext.data + i * classes, classes)) }
        }
        for i in 0..<b {
            targetValue.data[i] = replayReward[i] + settings.gamma * (1 - replayDone[i]) * targetNext.data[i * classes + Int(nextAction[i])]
        }
        let q = online.forward(replayState, regularization: settings.kanRegularization)
        for i in 0..<b { takenQ.data[i] = q.data[i * classes + Int(replayAction[i])] }
        let loss = temporalDifferenceLoss(takenQ, targetValue)
        // Only the taken actions' Q-values get a gradient.
        qGradient.zero()
        for i in 0..<b { qGradient.data[i * classes + Int(replayAction[i])] = temporalDifferenceLoss.gradient!.data[i] }
        let stateGradient = online.backward(qGradient)
        if let sources = replaySources, let fsnet {
            online.needsStateGradient = false
            fsnet.backwardSelected(stateGradient: stateGradient, mask: sources.mask)
        }
        return loss + online.regularizationLoss
    }

    /// Copies the training images `indices[0 ..< batch]` into `images` `[batch, 1, 8, 8]`.
    private func gatherTrainingImages(_ indices: UnsafeMutablePointer<Int32>, into images: Tensor) {
        let d = PreparedDataset.pixelCount
        data.train.pixels.withUnsafeBufferPointer { pixels in
            for i in 0..<images.shape[0] {
                (images.data + i * d).update(from: pixels.baseAddress! + Int(indices[i]) * d, count: d)
            }
        }
    }

    /// Test accuracy and confusion matrix; masks are sampled from a stream reset per
    /// evaluation, so evaluations do not perturb training. Records the selected features.
    func evaluate(epoch: Int) -> ConfusionMatrix {
        var generator = SeededGenerator(seed: evalSeed)
        fsnet?.setTraining(false)
        var matrix = ConfusionMatrix(classes: classes)
        let split = data.test, b = settings.batch
        for j in 0..<stateSize {
            selectionCounts[j] = 0
            probabilitySums[j] = 0
        }
        var start = 0
        let temperature = settings.temperature(epoch: epoch)
        while start < split.count {
            let count = min(b, split.count - start)
            let buffers = stepBuffers(count)
            buffers.gatherInOrder(from: start, split: split)
            _ = computeStates(buffers, temperature: temperature, generator: &generator, backwardScale: nil)
            recordSelection(buffers)
            let q = online.forward(buffers.state)
            for i in 0..<count {
                matrix.add(truth: Int(buffers.labels[i]), prediction: Self.argmax(q.data + i * classes, classes))
            }
            start += count
        }
        evaluatedExamples = split.count
        return matrix
    }

    /// Counts, per feature, the examples whose mask value is above that example's mean
    /// mask value (a 0/1 mask counts its ones; a one-hot mask its chosen feature), and
    /// sums the selection probabilities q.
    private func recordSelection(_ buffers: StepBuffers) {
        guard let fsnet else { return }
        let d = stateSize
        let probabilities = fsnet.lastProbabilities!
        for i in 0..<buffers.count {
            var mean: Float = 0
            for j in 0..<d { mean += buffers.mask.data[i * d + j] }
            mean /= Float(d)
            for j in 0..<d {
                if buffers.mask.data[i * d + j] > mean { selectionCounts[j] += 1 }
                probabilitySums[j] += Double(probabilities.data[i * d + j])
            }
        }
    }

    /// Refits the online and target nets' KAN grids to a sample of replayed states (their
    /// stored values, also with q_gradient: the refit only needs where states lie).
    func updateGrids() {
        guard online.isKAN, replay.count > 0 else { return }
        let b = settings.batch
        replay.sample(batch: b, state: replayState.data, action: replayAction, reward: replayReward, nextState: replayNext.data, done: replayDone, generator: &replayGenerator)
        online.updateGrid(from: replayState, gridEpsilon: settings.gridEpsilon)
        target.updateGrid(from: replayState, gridEpsilon: settings.gridEpsilon)
    }

    /// Up to `count` states drawn from the replay buffer, as a new tensor (for pruning and
    /// symbolic fitting at the end of a job), or `nil` if it holds fewer than 3.
    func representativeStates(count: Int) -> Tensor? {
        let n = min(count, replay.count)
        guard n >= 3 else { return nil }
        let states = Tensor(shape: [n, stateSize]), next = Tensor(shape: [n, stateSize])
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: 3 * n)
        let actions = UnsafeMutablePointer<Int32>.allocate(capacity: n)
        defer {
            scratch.deallocate()
            actions.deallocate()
        }
        replay.sample(batch: n, state: states.data, action: actions, reward: scratch, nextState: next.data, done: scratch + n, generator: &replayGenerator)
        return states
    }

    /// Copies the online net into the target net.
    func syncTarget() { target.copyParameters(from: online) }

    private func stepBuffers(_ count: Int) -> StepBuffers {
        if let existing = stepBuffers[count] { return existing }
        let created = StepBuffers(count: count, features: stateSize)
        stepBuffers[count] = created
        return created
    }

    @inline(__always)
    static func argmax(_ values: UnsafePointer<Float>, _ count: Int) -> Int {
        var best = 0
        for i in 1..<count where values[i] > values[best] { best = i }
        return best
    }
}
