import Foundation
import KANKit
import Testing

@Suite("Losses, optimisers, clipping and schedules")
struct TrainingTests {
    /// Checks `gradient` against central differences of `loss` over the prediction.
    private func checkLossGradient(_ prediction: Tensor, _ loss: () -> Float, _ gradient: () -> Tensor) {
        _ = loss()
        let analytic = gradient().values
        for i in 0..<prediction.count {
            let saved = prediction[i]
            prediction[i] = saved + 1e-3
            let plus = Double(loss())
            prediction[i] = saved - 1e-3
            let minus = Double(loss())
            prediction[i] = saved
            let numeric = (plus - minus) / 2e-3
            #expect(abs(numeric - Double(analytic[i])) < 1e-3 + 1e-2 * abs(numeric), "element \(i)")
        }
    }

    @Test func mseAndSmoothL1() {
        let prediction = GradientCheck.randomTensor([4, 3], seed: 1, range: -3...3), target = GradientCheck.randomTensor([4, 3], seed: 2)
        let mse = MSELoss(), smooth = SmoothL1Loss()
        var expectedMSE = 0.0, expectedSmooth = 0.0
        for i in 0..<12 {
            let d = Double(prediction[i] - target[i])
            expectedMSE += d * d / 12
            expectedSmooth += (abs(d) < 1 ? 0.5 * d * d : abs(d) - 0.5) / 12
        }
        #expect(abs(Double(mse(prediction, target)) - expectedMSE) < 1e-5)
        #expect(abs(Double(smooth(prediction, target)) - expectedSmooth) < 1e-5)
        checkLossGradient(prediction, { mse(prediction, target) }, { mse.gradient! })
        checkLossGradient(prediction, { smooth(prediction, target) }, { smooth.gradient! })
    }

    @Test func crossEntropy() {
        let logits = GradientCheck.randomTensor([3, 4], seed: 3, range: -2...2)
        let labels: [Int32] = [2, 0, 3]
        let loss = CrossEntropyLoss()
        let value = labels.withUnsafeBufferPointer { loss(logits, labels: $0) }
        var expected = 0.0
        for b in 0..<3 {
            let row = (0..<4).map { Double(logits[b * 4 + $0]) }
            expected += (log(row.map { exp($0) }.reduce(0, +)) - row[Int(labels[b])]) / 3
        }
        #expect(abs(Double(value) - expected) < 1e-5)
        checkLossGradient(logits, { labels.withUnsafeBufferPointer { loss(logits, labels: $0) } }, { loss.gradient! })
    }

    @Test func adamWMatchesReferenceSteps() {
        let parameter = Parameter(name: "p", shape: [3])
        let start: [Float] = [0.5, -1, 2]
        for i in 0..<3 { parameter.value[i] = start[i] }
        let optimizer = AdamW(parameters: [parameter], learningRate: 0.1, weightDecay: 0.5)
        var p = start.map(Double.init), m = [0.0, 0, 0], v = [0.0, 0, 0]
        for t in 1...3 {
            let gradient: [Double] = [Double(t), -0.5, 0.25 * Double(t)]
            for i in 0..<3 { parameter.gradient[i] = Float(gradient[i]) }
            optimizer.step()
            for i in 0..<3 {  // PyTorch's AdamW
                p[i] *= 1 - 0.1 * 0.5
                m[i] = 0.9 * m[i] + 0.1 * gradient[i]
                v[i] = 0.999 * v[i] + 0.001 * gradient[i] * gradient[i]
                let mHat = m[i] / (1 - pow(0.9, Double(t))), vHat = v[i] / (1 - pow(0.999, Double(t)))
                p[i] -= 0.1 * mHat / (vHat.squareRoot() + 1e-8)
            }
        }
        for i in 0..<3 { #expect(abs(Double(parameter.value[i]) - p[i]) < 1e-5) }
    }

    @Test func adamWTrainsAnMLP() {
        // XOR-like target: a real (if tiny) training run must reduce the loss a lot.
        let network = Sequential.mlp(widths: [2, 16, 1], activation: .tanh, seed: 4)
        let input = Tensor(shape: [4, 2], values: [0, 0, 0, 1, 1, 0, 1, 1])
        let target = Tensor(shape: [4, 1], values: [0, 1, 1, 0])
        let optimizer = AdamW(parameters: network.parameters, learningRate: 0.03, weightDecay: 0)
        let loss = MSELoss()
        var first: Float = 0, last: Float = 0
        for step in 0..<400 {
            optimizer.zeroGradients()
            last = loss(network.forward(input), target)
            if step == 0 { first = last }
            _ = network.backward(loss.gradient!)
            optimizer.step()
        }
        #expect(last < 0.01 * first, "loss \(first) -> \(last)")
    }

    @Test func sgdWithMomentum() {
        let parameter = Parameter(name: "p", shape: [1])
        parameter.value[0] = 1
        let optimizer = SGD(parameters: [parameter], learningRate: 0.1, momentum: 0.9, weightDecay: 0.01)
        var p = 1.0, buffer = 0.0
        for _ in 0..<5 {
            parameter.gradient[0] = Float(2 * p)  // d/dp of p²
            optimizer.step()
            buffer = 0.9 * buffer + 2 * p + 0.01 * p
            p -= 0.1 * buffer
        }
        #expect(abs(Double(parameter.value[0]) - p) < 1e-5)
    }

    @Test func clipping() {
        let a = Parameter(name: "a", shape: [2]), b = Parameter(name: "b", shape: [1])
        a.gradient[0] = 3; a.gradient[1] = -150; b.gradient[0] = 4
        GradientClipping.clip([a, b], value: 100)
        #expect(a.gradients == [3, -100] && b.gradients == [4])
        a.gradient[1] = 0
        let norm = GradientClipping.clip([a, b], globalNorm: 1)
        #expect(abs(norm - 5) < 1e-5)
        #expect(abs(a.gradient[0] - 0.6) < 1e-4 && abs(b.gradient[0] - 0.8) < 1e-4)
    }

    @Test func schedules() {
        let exponential = ExponentialSchedule(initial: 1e-3, gamma: 0.99)
        #expect(abs(exponential.learningRate(epoch: 10) - Float(1e-3 * pow(0.99, 10))) < 1e-9)
        let step = StepSchedule(initial: 1, stepSize: 3, gamma: 0.5)
        #expect([0, 2, 3, 5, 6].map { step.learningRate(epoch: $0) } == [1, 1, 0.5, 0.5, 0.25])
    }
}
