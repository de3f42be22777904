import KANKit
import Testing

@Suite("KAN layer, network and regulariser")
struct KANTests {
    private func layer(inputs: Int = 3, outputs: Int = 4, grid: Int = 3, order: Int = 3, seed: UInt64 = 1) -> KANLayer {
        var generator = SeededGenerator(seed: seed)
        let layer = KANLayer(inputs: inputs, outputs: outputs, gridSize: grid, order: order, generator: &generator)
        // Larger spline weights than the initial noise so the spline path dominates the check,
        // with every coefficient and every difference of neighbours at least 0.1 from zero so
        // finite differences never straddle the kinks of the |c| and |Δc| regularisers.
        let nb = layer.basisCount
        for i in 0..<inputs {
            for o in 0..<outputs {
                let sign: Float = generator.bernoulli(0.5) ? 1 : -1
                for m in 0..<nb {
                    layer.coefficients.value[(i * nb + m) * outputs + o] = sign * (0.1 + 0.3 * Float(m) + generator.uniform(0, 0.1))
                }
            }
        }
        return layer
    }

    @Test(arguments: [(3, 0), (3, 1), (3, 2), (3, 3), (5, 3)])
    func forwardMatchesReferenceFormula(gridAndOrder: (Int, Int)) {
        let layer = layer(grid: gridAndOrder.0, order: gridAndOrder.1)
        let input = GradientCheck.randomTensor([9, 3], seed: 2, range: -1.4...1.4)  // some outside the grid
        let out = layer.forward(input)
        for b in 0..<9 {
            for o in 0..<4 {
                let expected = (0..<3).map { KANReference.edge(layer, $0, o, Double(input[b * 3 + $0])) }.reduce(0, +)
                #expect(abs(Double(out[b * 4 + o]) - expected) < 1e-4)
            }
        }
    }

    @Test(arguments: [1, 2, 3])
    func repeatedKnotsMatchReference(order: Int) {
        // Discrete data (e.g. blank pixels) makes percentile knots coincide after a grid update.
        let layer = layer(inputs: 2, outputs: 2, grid: 4, order: order)
        let nk = layer.knotCount
        for j in 0..<nk { layer.grid.value[j] = [-0.9, -0.5, -0.5, -0.5, 0, 0.4, 0.4, 0.8, 1.2, 1.6, 2.0][j] }
        let input = GradientCheck.randomTensor([40, 2], seed: 20, range: -1...2)
        for b in 0..<5 { input[2 * b] = [-0.5, 0, 0.4, 0.8, -0.9][b] }  // exactly on knots
        let out = layer.forward(input)
        for b in 0..<40 {
            for o in 0..<2 {
                let expected = (0..<2).map { KANReference.edge(layer, $0, o, Double(input[b * 2 + $0])) }.reduce(0, +)
                #expect(abs(Double(out[b * 2 + o]) - expected) < 1e-4, "sample \(b) output \(o)")
            }
        }
    }

    @Test(arguments: [1, 2, 3])
    func layerGradients(order: Int) {
        let layer = layer(order: order)
        let report = GradientCheck.check(layer, input: GradientCheck.randomTensor([6, 3], seed: 3, range: -0.95...0.95), step: 1e-3)
        #expect(report.worst < 2e-2, "\(report)")
    }

    @Test func regulariserMatchesReferenceFormula() {
        let layer = layer()
        let settings = KANRegularization(weight: 1, l1: 1, entropy: 2, coefficient: 0.5, coefficientDifference: 0.3)
        layer.regularization = settings
        let input = GradientCheck.randomTensor([16, 3], seed: 4)
        _ = layer.forward(input)
        let expected = KANReference.regularization(layer, input.values, settings: settings)
        #expect(abs(Double(layer.regularizationLoss) - expected) < 1e-3 * max(1, abs(expected)))
    }

    @Test(arguments: [KANRegularization(weight: 0.7), KANRegularization(weight: 0.5, l1: 0.3, entropy: 1, coefficient: 0.2, coefficientDifference: 0.4)])
    func regulariserGradient(settings: KANRegularization) {
        let network = KAN(layers: [layer(inputs: 3, outputs: 4, seed: 5), layer(inputs: 4, outputs: 2, seed: 6)])
        network.regularization = settings
        let report = GradientCheck.check(
            network, input: GradientCheck.randomTensor([8, 3], seed: 7, range: -0.9...0.9), step: 1e-3, floor: 5e-2
        ) { Double(settings.weight) * Double(network.regularizationLoss) }
        #expect(report.worst < 3e-2, "\(report)")
    }

    @Test func regulariserGradientWithoutInputGradient() {
        // The benchmark/workload setting: the first layer skips dX (and dB, silu').
        let settings = KANRegularization(weight: 0.7, coefficient: 0.2)
        let network = KAN(layers: [layer(inputs: 3, outputs: 4, seed: 21), layer(inputs: 4, outputs: 2, seed: 22)])
        network.regularization = settings
        network.needsInputGradient = false
        let report = GradientCheck.check(
            network, input: GradientCheck.randomTensor([8, 3], seed: 23, range: -0.9...0.9), step: 1e-3, floor: 5e-2,
            checkInput: false
        ) { Double(settings.weight) * Double(network.regularizationLoss) }
        #expect(report.worst < 3e-2, "\(report)")
    }

    @Test func networkBuilderShapesAndGradients() {
        let network = KAN(widths: [5, 3, 2], grid: 4, order: 2, range: -2...2, seed: 8)
        #expect(network.widths == [5, 3, 2])
        #expect(network.layers[0].coefficients.shape == [5 * 6, 3])
        #expect(network.layers[0].grid.values.prefix(9) == [-4, -3, -2, -1, 0, 1, 2, 3, 4].map { Float($0) }[...])
        let report = GradientCheck.check(network, input: GradientCheck.randomTensor([4, 5], seed: 9, range: -1.9...1.9), step: 1e-3)
        #expect(report.worst < 2e-2, "\(report)")
    }

    /// pykan 0.0.x's scales: w_s = 1, w_b = 1/sqrt(in) + 0.1(2z - 1) (mean 1/sqrt(in) - 0.1,
    /// sd 0.2), and a spline of a fifth of today's noise amplitude per the 0.1 vs 0.3 noise.
    @Test func pykan0InitialisationHasItsScales() {
        let old = KAN(widths: [64, 8], initialisation: .pykan0, seed: 3), today = KAN(widths: [64, 8], seed: 3)
        let base = old.layers[0].scaleBase.values.map(Double.init)
        let mean = base.reduce(0, +) / Double(base.count)
        let sd = (base.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(base.count)).squareRoot()
        #expect(abs(mean - 0.025) < 0.03, "mean \(mean)")
        #expect(abs(sd - 0.2) < 0.03, "sd \(sd)")
        #expect(old.layers[0].scaleSpline.values.allSatisfy { $0 == 1 })
        #expect(today.layers[0].scaleSpline.values.allSatisfy { $0 == 0.125 })
        func amplitude(_ kan: KAN) -> Float { kan.layers[0].coefficients.values.map(abs).max()! }
        #expect(amplitude(old) < amplitude(today) / 2)
        let report = GradientCheck.check(old, input: GradientCheck.randomTensor([4, 64], seed: 9), step: 1e-3)
        #expect(report.worst < 2e-2, "\(report)")
    }

    /// pykan 0.0.x's output biases: they start at 0 and take no random draws, so a biased
    /// network computes what the plain one does until they move; then each output is shifted
    /// by its bias, backward matches finite differences, and pruning keeps the kept biases.
    @Test func biasedLayersShiftTheirOutputsAndPassTheGradientCheck() {
        let plain = KAN(widths: [3, 4, 2], seed: 30), biased = KAN(widths: [3, 4, 2], bias: true, seed: 30)
        let input = GradientCheck.randomTensor([5, 3], seed: 31)
        #expect(biased.forward(input).values == plain.forward(input).values)
        #expect(biased.parameters.count == plain.parameters.count + 2 && biased.parameters.last?.shape == [2])
        let last = try! #require(biased.layers[1].bias)
        last.value[0] = 0.25
        last.value[1] = -0.5
        let shifted = biased.forward(input).values, base = plain.forward(input).values
        for b in 0..<5 {
            #expect(abs(shifted[b * 2] - base[b * 2] - 0.25) < 1e-6 && abs(shifted[b * 2 + 1] - base[b * 2 + 1] + 0.5) < 1e-6)
        }
        for o in 0..<4 { biased.layers[0].bias!.value[o] = 0.1 * Float(o + 1) }
        let report = GradientCheck.check(biased, input: GradientCheck.randomTensor([6, 3], seed: 32, range: -0.9...0.9), step: 1e-3)
        #expect(report.worst < 2e-2, "\(report)")

        let samples = GradientCheck.randomTensor([64, 3], seed: 33)
        let (pruned, kept) = biased.pruned(on: samples, threshold: 0)
        #expect(kept[1] == [0, 1, 2, 3])
        let full = biased.forward(samples).values, copy = pruned.forward(samples).values
        #expect(zip(full, copy).allSatisfy { abs($0 - $1) < 1e-5 })
    }

    @Test func gridUpdateKeepsTheFunction() {
        let network = KAN(widths: [2, 3, 1], grid: 5, order: 3, seed: 10)
        for layer in network.layers {
            var generator = SeededGenerator(seed: 11)
            for i in 0..<layer.coefficients.count { layer.coefficients.value[i] = generator.uniform(-0.5, 0.5) }
        }
        // Samples concentrated in a sub-range so the new grid differs clearly from the old one.
        let samples = GradientCheck.randomTensor([200, 2], seed: 12, range: -0.6...0.3)
        let before = network.forward(samples).values
        let oldGrid = network.layers[0].grid.values
        network.updateGrid(from: samples)
        #expect(network.layers[0].grid.values != oldGrid)
        #expect(network.layers[0].grid.values[3] >= -0.61 && network.layers[0].grid.values[8] <= 0.31)
        let after = network.forward(samples).values
        let worst = zip(before, after).map { abs($0 - $1) }.max()!
        let spread = before.max()! - before.min()!
        #expect(worst < 0.02 * max(spread, 1e-3), "worst change \(worst), output spread \(spread)")
    }

    @Test func copyParametersIncludesGrids() {
        let source = KAN(widths: [3, 2, 2], seed: 13), target = KAN(widths: [3, 2, 2], seed: 14)
        source.updateGrid(from: GradientCheck.randomTensor([32, 3], seed: 15, range: 0...0.5))
        target.copyParameters(from: source)
        let input = GradientCheck.randomTensor([5, 3], seed: 16)
        #expect(source.forward(input).values == target.forward(input).values)
    }

    @Test func pruningDropsDeadHiddenNodes() {
        let network = KAN(widths: [3, 4, 2], seed: 17)
        // Hidden node 1 gets no input signal; hidden node 3 feeds nothing downstream.
        for i in 0..<3 {
            let layer = network.layers[0]
            layer.scaleBase.value[i * 4 + 1] = 0
            layer.scaleSpline.value[i * 4 + 1] = 0
        }
        for o in 0..<2 {
            network.layers[1].scaleBase.value[3 * 2 + o] = 0
            network.layers[1].scaleSpline.value[3 * 2 + o] = 0
        }
        let samples = GradientCheck.randomTensor([64, 3], seed: 18)
        let (pruned, kept) = network.pruned(on: samples)
        #expect(kept[1] == [0, 2])
        #expect(pruned.widths == [3, 2, 2])
        let full = network.forward(samples).values, small = pruned.forward(samples).values
        // Node 1 is constantly 0, so removing it drops exactly φ_{1,o}(0); node 3 contributed nothing.
        for b in 0..<64 {
            for o in 0..<2 {
                let dropped = KANReference.edge(network.layers[1], 1, o, 0)
                #expect(abs(Double(full[b * 2 + o]) - dropped - Double(small[b * 2 + o])) < 1e-4)
            }
        }
    }
}

@Suite("Changing batch sizes")
struct BatchSizeTests {
    @Test func alternatingBatchSizesGiveTheSameResults() {
        let kan = KAN(widths: [4, 3, 2], seed: 1)
        var generator = SeededGenerator(seed: 2)
        let mlp = Sequential([
            Conv2d(inChannels: 1, outChannels: 2, generator: &generator), Activation(.relu), MaxPool2d(), Flatten(),
            Linear(inputs: 8, outputs: 2, generator: &generator),
        ])
        let big = GradientCheck.randomTensor([6, 4], seed: 3), images = GradientCheck.randomTensor([6, 1, 4, 4], seed: 4)
        let expectedKAN = kan.forward(big).values, expectedCNN = mlp.forward(images).values
        for b in [1, 6, 2, 6] {
            let small = Tensor(shape: [b, 4], values: Array(big.values.prefix(b * 4)))
            let smallImages = Tensor(shape: [b, 1, 4, 4], values: Array(images.values.prefix(b * 16)))
            let outKAN = kan.forward(small), outCNN = mlp.forward(smallImages)
            #expect(outKAN.shape == [b, 2] && outCNN.shape == [b, 2])
            for i in 0..<(b * 2) {
                #expect(abs(outKAN[i] - expectedKAN[i]) < 1e-6)
                #expect(abs(outCNN[i] - expectedCNN[i]) < 1e-6)
            }
            // A backward pass at this batch size must see consistent shapes too.
            _ = kan.backward(Tensor(shape: [b, 2], values: [Float](repeating: 1, count: b * 2)))
            _ = mlp.backward(Tensor(shape: [b, 2], values: [Float](repeating: 1, count: b * 2)))
        }
    }
}

@Suite("Evaluation mode")
struct EvaluationModeTests {
    @Test func kanEvaluationSkipsTheRegulariserButKeepsOutputs() {
        let kan = KAN(widths: [3, 4, 2], seed: 1)
        kan.regularization = KANRegularization(weight: 1e-2)
        let input = GradientCheck.randomTensor([16, 3], seed: 2)
        let training = kan.forward(input).values
        #expect(kan.regularizationLoss > 0)
        kan.setTraining(false)
        #expect(kan.forward(input).values == training)
        #expect(kan.regularizationLoss == 0)
    }
}
