/// 2x2 max pooling with stride 2: `[batch, channels, h, w]` to `[batch, channels, h/2, w/2]`
/// (odd trailing rows/columns are dropped, as in PyTorch). Backward routes each gradient to the
/// position of its window's maximum.
public final class MaxPool2d: Layer {
    /// Unused: the input gradient is always computed.
    public var needsInputGradient = true
    private var inputShape: [Int] = []
    private var output: Tensor?
    private var gradInput: Tensor?
    private var argmax: UnsafeMutablePointer<Int32>?
    private var argmaxCapacity = 0

    /// Creates a 2x2 pooling layer.
    public init() {}

    deinit { argmax?.deallocate() }

    /// No parameters.
    public var parameters: [Parameter] { [] }

    /// Takes the maximum of each 2x2 window.
    public func forward(_ input: Tensor) -> Tensor {
        precondition(input.shape.count == 4 && input.shape[2] >= 2 && input.shape[3] >= 2,
                     "MaxPool2d expects [batch, channels, h>=2, w>=2], got \(input.shape)")
        inputShape = input.shape
        let (planes, height, width) = (input.shape[0] * input.shape[1], input.shape[2], input.shape[3])
        let (oh, ow) = (height / 2, width / 2)
        let out = Tensor.reusing(output, input.shape[0], input.shape[1], oh, ow)
        output = out
        if argmaxCapacity < out.count {
            argmax?.deallocate()
            argmax = .allocate(capacity: out.count)
            argmaxCapacity = out.count
        }
        let index = argmax!
        // SIMD selects rather than branches (the winner is unpredictable): four windows per
        // step from two 8-float row loads. Ties go to the first maximum in scan order, as in PyTorch.
        for plane in 0..<planes {
            let src = input.data + plane * height * width
            for y in 0..<oh {
                let top = src + 2 * y * width, bottom = top + width
                let o = (plane * oh + y) * ow
                let rowStart = Int32(truncatingIfNeeded: plane * height * width + 2 * y * width)
                var x = 0
                while x + 4 <= ow {
                    let upperRow = Self.load8(top + 2 * x), lowerRow = Self.load8(bottom + 2 * x)
                    let window = Self.pool(upperRow.evenHalf, upperRow.oddHalf, lowerRow.evenHalf, lowerRow.oddHalf, width: width)
                    UnsafeMutableRawPointer(out.data + o + x).storeBytes(of: window.value, as: SIMD4<Float>.self)
                    let start = SIMD4(repeating: rowStart &+ Int32(truncatingIfNeeded: 2 * x)) &+ SIMD4(0, 2, 4, 6)
                    UnsafeMutableRawPointer(index + o + x).storeBytes(of: start &+ window.offset, as: SIMD4<Int32>.self)
                    x += 4
                }
                while x < ow {
                    let window = Self.pool(
                        SIMD4(repeating: top[2 * x]), SIMD4(repeating: top[2 * x + 1]),
                        SIMD4(repeating: bottom[2 * x]), SIMD4(repeating: bottom[2 * x + 1]), width: width)
                    out.data[o + x] = window.value[0]
                    index[o + x] = rowStart &+ Int32(truncatingIfNeeded: 2 * x) &+ window.offset[0]
                    x += 1
                }
            }
        }
        return out
    }

    /// The maxima of four windows given their corners, and each winner's offset from its
    /// window's top-left element.
    @inline(__always)
    private static func pool(
        _ a: SIMD4<Float>, _ b: SIMD4<Float>, _ c: SIMD4<Float>, _ d: SIMD4<Float>, width: Int
    ) -> (value: SIMD4<Float>, offset: SIMD4<Int32>) {
        let upperRight = b .> a, lowerRight = d .> c
        let upper = a.replacing(with: b, where: upperRight), lower = c.replacing(with: d, where: lowerRight)
        let takeLower = lower .> upper
        let upperOffset = SIMD4<Int32>().replacing(with: 1, where: upperRight)
        let lowerOffset = SIMD4(repeating: Int32(truncatingIfNeeded: width)) &+ SIMD4<Int32>().replacing(with: 1, where: lowerRight)
        return (upper.replacing(with: lower, where: takeLower), upperOffset.replacing(with: lowerOffset, where: takeLower))
    }

    @inline(__always)
    private static func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    /// Scatters each output gradient to its window's maximum.
    public func backward(_ gradOutput: Tensor) -> Tensor {
        guard let index = argmax, let output, gradOutput.count == output.count else {
            preconditionFailure("MaxPool2d.backward called before forward or with a different shape")
        }
        let gradIn = Tensor.reusing(gradInput, shape: inputShape)
        gradInput = gradIn
        gradIn.zero()
        for o in 0..<gradOutput.count { gradIn.data[Int(index[o])] += gradOutput.data[o] }
        return gradIn
    }
}
