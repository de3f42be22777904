/// Separable image downscaling with a triangle (bilinear) filter whose support grows with
/// the scale factor, as PIL's `resize(BILINEAR)` and torchvision's
/// `Resize(antialias=True)` compute it (in floating point, without PIL's 8-bit rounding
/// between the two passes).
public struct AntialiasedResize: Sendable {
    /// Input side length (square images).
    public let inputSize: Int
    /// Output side length.
    public let outputSize: Int
    /// Dense `[outputSize, inputSize]` row-major weights; each row sums to 1.
    public let weights: [Float]

    /// Precomputes the filter weights for one axis.
    public init(from inputSize: Int, to outputSize: Int) {
        precondition(inputSize > 0 && outputSize > 0, "resize sizes must be positive")
        self.inputSize = inputSize
        self.outputSize = outputSize
        let scale = Double(inputSize) / Double(outputSize)
        let filterScale = max(scale, 1)
        let support = 1.0 * filterScale
        var weights = [Float](repeating: 0, count: outputSize * inputSize)
        for o in 0..<outputSize {
            let center = (Double(o) + 0.5) * scale
            // PIL truncates toward zero, as C's (int) cast does.
            let lower = max(Int(center - support + 0.5), 0)
            let upper = min(Int(center + support + 0.5), inputSize)
            var row = [Double](repeating: 0, count: inputSize)
            var total = 0.0
            for i in lower..<max(upper, lower) {
                let w = max(0, 1 - abs((Double(i) - center + 0.5) / filterScale))
                row[i] = w
                total += w
            }
            for i in 0..<inputSize where total > 0 {
                weights[o * inputSize + i] = Float(row[i] / total)
            }
        }
        self.weights = weights
    }

    /// Resizes one `[inputSize, inputSize]` row-major image into `output`
    /// (`[outputSize, outputSize]`), horizontal pass first, using `scratch`
    /// (`[inputSize, outputSize]`) for the intermediate.
    public func apply(_ image: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>, scratch: UnsafeMutableBufferPointer<Float>) {
        precondition(image.count == inputSize * inputSize && output.count == outputSize * outputSize && scratch.count == inputSize * outputSize)
        weights.withUnsafeBufferPointer { w in
            for row in 0..<inputSize {
                for o in 0..<outputSize {
                    var sum: Float = 0
                    for i in 0..<inputSize { sum += w[o * inputSize + i] * image[row * inputSize + i] }
                    scratch[row * outputSize + o] = sum
                }
            }
            for o in 0..<outputSize {
                for column in 0..<outputSize {
                    var sum: Float = 0
                    for i in 0..<inputSize { sum += w[o * inputSize + i] * scratch[i * outputSize + column] }
                    output[o * outputSize + column] = sum
                }
            }
        }
    }
}
