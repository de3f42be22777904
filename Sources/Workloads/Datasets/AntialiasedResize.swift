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
    /// The input range each output reads (the filter's support; weights outside are 0).
    private let taps: [Range<Int>]

    /// Precomputes the filter weights for one axis.
    public init(from inputSize: Int, to outputSize: Int) {
        precondition(inputSize > 0 && outputSize > 0, "resize sizes must be positive")
        self.inputSize = inputSize
        self.outputSize = outputSize
        let scale = Double(inputSize) / Double(outputSize)
        let filterScale = max(scale, 1)
        let support = 1.0 * filterScale
        var weights = [Float](repeating: 0, count: outputSize * inputSize)
        var taps: [Range<Int>] = []
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
            taps.append(total > 0 ? lower..<max(upper, lower) : lower..<lower)
        }
        self.weights = weights
        self.taps = taps
    }

    /// Resizes one `[inputSize, inputSize]` row-major image into `output`
    /// (`[outputSize, outputSize]`), horizontal pass first, using `scratch`
    /// (`[inputSize, outputSize]`) for the intermediate. Only the filter's taps are
    /// visited, in ascending order, so the sums are those of the dense product.
    public func apply(_ image: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>, scratch: UnsafeMutableBufferPointer<Float>) {
        precondition(image.count == inputSize * inputSize && output.count == outputSize * outputSize && scratch.count == inputSize * outputSize)
        let n = inputSize, m = outputSize
        weights.withUnsafeBufferPointer { w in
            for row in 0..<n {
                for o in 0..<m {
                    var sum: Float = 0
                    for i in taps[o] { sum += w[o * n + i] * image[row * n + i] }
                    scratch[row * m + o] = sum
                }
            }
            // Vertical pass with the column loop innermost: contiguous and vectorisable.
            for o in 0..<m {
                let out = output.baseAddress! + o * m
                out.initialize(repeating: 0, count: m)
                for i in taps[o] {
                    let weight = w[o * n + i], source = scratch.baseAddress! + i * m
                    for column in 0..<m { out[column] += weight * source[column] }
                }
            }
        }
    }
}
