/// Running mean and variance of a stream of vectors (Chan et al.'s parallel update), the
/// statistics behind observation and reward normalisation as in Gym's wrappers.
struct RunningMeanVariance: Sendable {
    /// Per-component mean.
    private(set) var mean: [Double]
    /// Per-component population variance.
    private(set) var variance: [Double]
    /// Number of vectors seen, starting from Gym's 1e-4 so the first update is well defined.
    private(set) var count = 1e-4

    /// Statistics of `dimension`-vectors, starting at mean 0 and variance 1.
    init(dimension: Int) {
        mean = [Double](repeating: 0, count: dimension)
        variance = [Double](repeating: 1, count: dimension)
    }

    /// Adds one vector.
    /// - Parameter x: `mean.count` values.
    mutating func update(_ x: UnsafePointer<Float>) {
        for i in mean.indices { accumulate(Double(x[i]), into: i) }
        count += 1
    }

    /// Adds one scalar (for a one-dimensional statistic).
    mutating func update(_ x: Double) {
        precondition(mean.count == 1, "a scalar update needs a one-dimensional statistic")
        accumulate(x, into: 0)
        count += 1
    }

    /// Folds `value` into component `i` (before `count` is incremented).
    @inline(__always)
    private mutating func accumulate(_ value: Double, into i: Int) {
        let total = count + 1
        let delta = value - mean[i]
        mean[i] += delta / total
        // Combined second moment of the old sample (count) and the single new value.
        variance[i] = (variance[i] * count + delta * delta * count / total) / total
    }

    /// Writes `clamp((x - mean) / sqrt(variance + 1e-8), -clip, clip)` into `output`.
    func normalize(_ x: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>, clip: Double) {
        for i in mean.indices {
            let z = (Double(x[i]) - mean[i]) / (variance[i] + 1e-8).squareRoot()
            output[i] = Float(min(clip, max(-clip, z)))
        }
    }
}
