/// A 3x3 convolution with padding 1 and stride 1 (spatial size preserved), any channel counts.
///
/// Shapes: input `[batch, inChannels, height, width]`, output `[batch, outChannels, height,
/// width]`; `weight` is `[outChannels, inChannels·9]` (PyTorch's `[out, in, 3, 3]` flattened),
/// `bias` is `[outChannels]`. Computed as one product over the whole batch via im2col:
/// `Y[out, batch·pixels] = W · col[in·9, batch·pixels]`. Backward accumulates into gradients.
public final class Conv2d: Layer {
    /// Input channels.
    public let inChannels: Int
    /// Output channels (filters).
    public let outChannels: Int
    /// The filters `[outChannels, inChannels·9]`.
    public let weight: Parameter
    /// The per-filter bias `[outChannels]`.
    public let bias: Parameter
    /// Whether `backward` computes the input gradient.
    public var needsInputGradient = true

    private var inputShape: [Int] = []
    private var columns: Tensor?  // [in·9, batch·pixels]
    private var product: Tensor?  // [out, batch·pixels], forward result then backward gradient
    private var gradColumns: Tensor?
    private var output: Tensor?
    private var gradInput: Tensor?

    /// Creates a layer initialised like PyTorch's `nn.Conv2d` (uniform in `±1/sqrt(in·9)`).
    public init(inChannels: Int, outChannels: Int, generator: inout SeededGenerator) {
        precondition(inChannels > 0 && outChannels > 0, "Conv2d needs positive channel counts")
        self.inChannels = inChannels
        self.outChannels = outChannels
        weight = Parameter(name: "weight", shape: [outChannels, inChannels * 9])
        bias = Parameter(name: "bias", shape: [outChannels])
        let bound = 1 / Float(inChannels * 9).squareRoot()
        for i in 0..<weight.count { weight.value[i] = generator.uniform(-bound, bound) }
        for i in 0..<outChannels { bias.value[i] = generator.uniform(-bound, bound) }
    }

    /// The filters and the bias.
    public var parameters: [Parameter] { [weight, bias] }

    /// Convolves a batch of images.
    public func forward(_ input: Tensor) -> Tensor {
        precondition(input.shape.count == 4 && input.shape[1] == inChannels,
                     "Conv2d expects [batch, \(inChannels), height, width], got \(input.shape)")
        inputShape = input.shape
        let (batch, height, width) = (input.shape[0], input.shape[2], input.shape[3])
        let pixels = height * width, span = batch * pixels, kernelSize = inChannels * 9
        let col = Tensor.reusing(columns, kernelSize, span)
        let prod = Tensor.reusing(product, outChannels, span)
        let out = Tensor.reusing(output, batch, outChannels, height, width)
        columns = col
        product = prod
        output = out
        // Only in-image positions are written: the padding entries of `col` stay zero from
        // allocation because their positions depend on the shape alone.
        for ci in 0..<inChannels {
            for tap in 0..<9 {
                let (dy, dx) = (tap / 3 - 1, tap % 3 - 1)
                let (x0, x1) = (max(0, -dx), min(width, width - dx))
                let row = col.data + (ci * 9 + tap) * span
                for b in 0..<batch {
                    let image = input.data + (b * inChannels + ci) * pixels
                    for y in max(0, -dy)..<min(height, height - dy) {
                        (row + b * pixels + y * width + x0).update(from: image + (y + dy) * width + x0 + dx, count: x1 - x0)
                    }
                }
            }
        }
        SGEMM.multiply(m: outChannels, n: span, k: kernelSize, a: weight.value, lda: kernelSize, b: col.data, ldb: span,
                       c: prod.data, ldc: span, accumulate: false)
        for co in 0..<outChannels {
            let b0 = bias.value[co]
            for b in 0..<batch {
                let src = prod.data + co * span + b * pixels, dst = out.data + (b * outChannels + co) * pixels
                for p in 0..<pixels { dst[p] = src[p] + b0 }
            }
        }
        return out
    }

    /// Accumulates filter and bias gradients and returns the input gradient (col2im).
    public func backward(_ gradOutput: Tensor) -> Tensor {
        guard let col = columns, let prod = product else { preconditionFailure("Conv2d.backward called before forward") }
        let (batch, height, width) = (inputShape[0], inputShape[2], inputShape[3])
        precondition(gradOutput.hasShape(batch, outChannels, height, width), "Conv2d.backward got \(gradOutput.shape)")
        let pixels = height * width, span = batch * pixels, kernelSize = inChannels * 9
        for co in 0..<outChannels {
            var sum: Float = 0
            for b in 0..<batch {
                let src = gradOutput.data + (b * outChannels + co) * pixels, dst = prod.data + co * span + b * pixels
                for p in 0..<pixels {
                    dst[p] = src[p]
                    sum += src[p]
                }
            }
            bias.gradient[co] += sum
        }
        SGEMM.multiplyTransposedB(m: outChannels, n: kernelSize, k: span, a: prod.data, lda: span, b: col.data, ldb: span,
                                  c: weight.gradient, ldc: kernelSize, accumulate: true)
        let gradIn = Tensor.reusing(gradInput, inputShape[0], inputShape[1], inputShape[2], inputShape[3])
        gradInput = gradIn
        guard needsInputGradient else { return gradIn }
        let gcol = Tensor.reusing(gradColumns, kernelSize, span)
        gradColumns = gcol
        SGEMM.multiplyTransposedA(m: kernelSize, n: span, k: outChannels, a: weight.value, lda: kernelSize, b: prod.data, ldb: span,
                                  c: gcol.data, ldc: span, accumulate: false)
        gradIn.zero()
        for ci in 0..<inChannels {
            for tap in 0..<9 {
                let (dy, dx) = (tap / 3 - 1, tap % 3 - 1)
                let (x0, x1) = (max(0, -dx), min(width, width - dx))
                let row = gcol.data + (ci * 9 + tap) * span
                for b in 0..<batch {
                    let image = gradIn.data + (b * inChannels + ci) * pixels
                    for y in max(0, -dy)..<min(height, height - dy) {
                        let src = row + b * pixels + y * width, dst = image + (y + dy) * width + dx
                        for x in x0..<x1 { dst[x] += src[x] }
                    }
                }
            }
        }
        return gradIn
    }
}
