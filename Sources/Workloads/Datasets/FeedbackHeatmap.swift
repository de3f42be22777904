#if canImport(Glibc)
import Glibc
#endif

/// The simulated human feedback for one image: a Gaussian bump of width `eta` centred on
/// the image's brightest pixel, scaled so its maximum is 1.
///
/// Layout: the image and the heatmap are `[side, side]` row-major; the centre is the
/// first pixel (in row-major order) of maximum intensity. Min-max normalising the image
/// to [0, 1] first, as the paper does, does not move that pixel, so it is skipped.
public enum FeedbackHeatmap {
    /// Writes the heatmap of `image` into `heatmap`.
    public static func compute(image: UnsafeBufferPointer<Float>, side: Int, eta: Float, into heatmap: UnsafeMutableBufferPointer<Float>) {
        precondition(image.count == side * side && heatmap.count == side * side && eta > 0)
        var best = 0
        for i in 1..<image.count where image[i] > image[best] { best = i }
        let yc = Float(best / side), xc = Float(best % side)
        let denominator = 2 * eta * eta
        // The centre has value exp(0) = 1, which is the maximum, so no rescale is needed.
        for y in 0..<side {
            for x in 0..<side {
                let dx = Float(x) - xc, dy = Float(y) - yc
                heatmap[y * side + x] = expf(-(dx * dx + dy * dy) / denominator)
            }
        }
    }
}
