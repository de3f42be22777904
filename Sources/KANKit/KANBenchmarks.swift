/// Training-step timings of the workloads' three networks (forward + backward + AdamW, batch 128).
public enum KANBenchmarks {
    /// Times `steps` training steps of each network after a short warm-up.
    /// - Returns: the median milliseconds per step under exactly the keys `kan_step_ms`
    ///   (KAN [64, 8, 10], G 3, k 3), `mlp_step_ms` (MLP [64, 32, 10]) and `fsnet_step_ms`
    ///   (Conv 1→4 3x3, ReLU, MaxPool 2, flatten, 64→128 ReLU, 128→64, sigmoid, on 8x8 images).
    public static func run(steps: Int) -> [String: Double] {
        Dictionary(uniqueKeysWithValues: Model.allCases.map { ($0.rawValue, stepMilliseconds($0, steps: steps)) })
    }

    /// The benchmarked networks, named by their result keys.
    public enum Model: String, CaseIterable, Sendable {
        /// KAN [64, 8, 10], G 3, k 3, on `[128, 64]` inputs.
        case kan = "kan_step_ms"
        /// MLP [64, 32, 10] with ReLU, on `[128, 64]` inputs.
        case mlp = "mlp_step_ms"
        /// FSNet with one conv layer of 4 filters on `[128, 1, 8, 8]` images.
        case fsnet = "fsnet_step_ms"
    }

    /// The median milliseconds per training step of one network over `steps` steps.
    public static func stepMilliseconds(_ model: Model, steps: Int) -> Double {
        precondition(steps > 0, "KANBenchmarks needs at least one step")
        let batch = 128
        var generator = SeededGenerator(seed: 1)
        switch model {
        case .kan:
            return medianStepMilliseconds(
                KAN(widths: [64, 8, 10], grid: 3, order: 3, seed: 2), input: randomTensor([batch, 64], &generator),
                target: randomTensor([batch, 10], &generator), steps: steps)
        case .mlp:
            return medianStepMilliseconds(
                Sequential.mlp(widths: [64, 32, 10], seed: 3), input: randomTensor([batch, 64], &generator),
                target: randomTensor([batch, 10], &generator), steps: steps)
        case .fsnet:
            let fsnet = Sequential([
                Conv2d(inChannels: 1, outChannels: 4, generator: &generator), Activation(.relu), MaxPool2d(), Flatten(),
                Linear(inputs: 64, outputs: 128, generator: &generator), Activation(.relu),
                Linear(inputs: 128, outputs: 64, generator: &generator), Activation(.sigmoid),
            ])
            return medianStepMilliseconds(
                fsnet, input: randomTensor([batch, 1, 8, 8], &generator), target: randomTensor([batch, 64], &generator), steps: steps)
        }
    }

    private static func randomTensor(_ shape: [Int], _ generator: inout SeededGenerator) -> Tensor {
        let tensor = Tensor(shape: shape)
        for i in 0..<tensor.count { tensor[i] = generator.uniform(-1, 1) }
        return tensor
    }

    /// One step: zero gradients, forward, MSE, backward, AdamW.
    private static func medianStepMilliseconds(_ network: any Layer, input: Tensor, target: Tensor, steps: Int) -> Double {
        network.needsInputGradient = false
        let optimizer = AdamW(parameters: network.parameters, learningRate: 1e-3, weightDecay: 1e-4)
        let loss = MSELoss()
        let clock = ContinuousClock()
        var times: [Double] = []
        times.reserveCapacity(steps)
        for iteration in 0..<(steps + 10) {
            let start = clock.now
            optimizer.zeroGradients()
            _ = loss(network.forward(input), target)
            _ = network.backward(loss.gradient!)
            optimizer.step()
            let elapsed = clock.now - start
            if iteration >= 10 {
                let (seconds, attoseconds) = elapsed.components
                times.append(Double(seconds) * 1e3 + Double(attoseconds) * 1e-15)
            }
        }
        times.sort()
        return times[times.count / 2]
    }
}
