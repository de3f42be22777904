import KANKit

/// Central finite-difference checks of hand-written backward passes.
///
/// The scalar checked is `L = Σ weights ⊙ forward(input)` (plus an optional extra term such as a
/// regulariser), summed in Double; its analytic gradient is what `backward(weights)` produces.
enum GradientCheck {
    /// The largest relative error `|a - n| / max(|a|, |n|, floor)` over the checked entries.
    struct Report: CustomStringConvertible {
        var worst: Double = 0
        var location = ""
        var checked = 0
        var description: String { "worst relative error \(worst) at \(location) over \(checked) entries" }
    }

    /// Checks the input gradient and every parameter gradient of `layer` at `input`.
    /// - Parameters:
    ///   - extra: an additional loss term read after each forward (e.g. weighted regulariser).
    ///   - step: the finite-difference step.
    ///   - floor: the magnitude below which errors are judged absolutely.
    static func check(
        _ layer: any Layer, input: Tensor, seed: UInt64 = 7, step: Float = 1e-2, floor: Double = 1e-2,
        checkInput: Bool = true, extra: () -> Double = { 0 }
    ) -> Report {
        var generator = SeededGenerator(seed: seed)
        let probe = layer.forward(input)
        let weights = Tensor(shape: probe.shape)
        for i in 0..<weights.count { weights[i] = generator.uniform(-1, 1) }
        func loss() -> Double {
            let out = layer.forward(input)
            var total = 0.0
            for i in 0..<out.count { total += Double(out[i]) * Double(weights[i]) }
            return total + extra()
        }
        _ = loss()
        layer.zeroGrad()
        let gradInput = layer.backward(weights).values
        var report = Report()
        func compare(_ analytic: Double, _ pointer: UnsafeMutablePointer<Float>, _ label: String) {
            let saved = pointer.pointee
            pointer.pointee = saved + step
            let plus = loss()
            pointer.pointee = saved - step
            let minus = loss()
            pointer.pointee = saved
            let numeric = (plus - minus) / (2 * Double(step))
            let error = abs(analytic - numeric) / max(abs(analytic), abs(numeric), floor)
            report.checked += 1
            if error > report.worst {
                report.worst = error
                report.location = "\(label) analytic \(analytic) numeric \(numeric)"
            }
        }
        if checkInput {
            for i in 0..<input.count { compare(Double(gradInput[i]), input.data + i, "input[\(i)]") }
        }
        for parameter in layer.parameters {
            let analytic = parameter.gradients
            for i in 0..<parameter.count { compare(Double(analytic[i]), parameter.value + i, "\(parameter.name)[\(i)]") }
        }
        return report
    }

    /// A tensor of uniform values in `range`, seeded.
    static func randomTensor(_ shape: [Int], seed: UInt64, range: ClosedRange<Float> = -1...1) -> Tensor {
        var generator = SeededGenerator(seed: seed)
        let tensor = Tensor(shape: shape)
        for i in 0..<tensor.count { tensor[i] = generator.uniform(range.lowerBound, range.upperBound) }
        return tensor
    }
}
