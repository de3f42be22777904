import SweepCore
import Foundation

/// A Parzen estimator of one parameter: a weighted mixture of one kernel per observation
/// plus a prior kernel, with Optuna's (5.1) rules, so both tools model the same density.
///
/// Numbers (`uniform`, `logUniform`, `intUniform`): a normal truncated to the parameter's
/// interval at each observation; its width the larger gap to its neighbours in sorted
/// order (the interval's ends count as neighbours), except that the lowest and highest
/// kernels take their inner gap (Optuna's `consider_endpoints=False`); then clipped to
/// [range / min(100, kernels + 1), range] (the "magic clip"). The prior kernel sits at the
/// interval's centre with the range as its width. Integers are discrete: a value's mass
/// is the kernel's over [k - 0.5, k + 0.5]. Choices: each kernel is the prior's share
/// (`priorWeight` / kernels) on every value plus 1 on its observation, normalised.
///
/// Kernels live on the interval mapped to [0, 1] (each width is then between 0.01 and 1,
/// so no coefficient overflows); densities are given in the parameter's own coordinate.
/// The buffers are kept between fits (`fit`), so refitting allocates nothing once grown.
public struct ParzenEstimator: Sendable {
    public let dimension: SearchDimension
    /// Kernel centres in [0, 1]: the observations in ascending order, then the prior's.
    public private(set) var centres: [Double] = []
    /// Kernel widths in [0, 1] units, in the same order.
    public private(set) var widths: [Double] = []
    /// Kernel weights, normalised, in the same order (the prior's last).
    public private(set) var weights: [Double] = []
    /// Per kernel: weight / (width · √(2π) · mass inside [0, 1]) (reals), or weight / mass
    /// inside (integers).
    private var coefficients: [Double] = []
    private var inverseWidths: [Double] = []
    /// The reals' kernels four at a time (centre, 1 / width, coefficient), padded with
    /// kernels of coefficient 0: the density loop's layout.
    private var packed: [(centre: SIMD4<Double>, inverse: SIMD4<Double>, coefficient: SIMD4<Double>)] = []
    /// Per block of `packed` but the last (which holds the prior): the running maximum,
    /// from the first block, of its kernels' highest reach (centre + 37.5 widths), and
    /// the running minimum, from the last, of their lowest (centre - 37.5 widths). Past
    /// 37.5 widths a kernel's `FastExp` is exactly 0, so blocks out of reach add exactly
    /// nothing and the density loop skips them without changing a bit of the sum.
    private var reachAbove: [Double] = [], reachBelow: [Double] = []
    /// Running sums of `weights`, to pick a kernel by one binary search.
    private var cumulative: [Double] = []
    /// Choices: the mixture's probability of each value.
    public private(set) var choiceProbabilities: [Double] = []
    private let low: Double
    private let range: Double

    public init(dimension: SearchDimension) {
        self.dimension = dimension
        (low, range) = { let b = dimension.bounds; return (b.low, b.high - b.low) }()
    }

    /// Fits observations given in the parameter's internal coordinate, any order, each with
    /// its weight (`TPESampler.observationWeights`).
    public init(dimension: SearchDimension, observations: [Double], weights: [Double], priorWeight: Double = 1) {
        self.init(dimension: dimension)
        let order = observations.indices.sorted { observations[$0] < observations[$1] }
        let sorted = order.map { observations[$0] }, sortedWeights = order.map { weights[$0] }
        sorted.withUnsafeBufferPointer { o in
            sortedWeights.withUnsafeBufferPointer { w in fit(sortedObservations: o, weights: w, priorWeight: priorWeight) }
        }
    }

    /// Refits on `sortedObservations` (internal coordinates, ascending) and their weights.
    public mutating func fit(sortedObservations: UnsafeBufferPointer<Double>, weights observationWeights: UnsafeBufferPointer<Double>,
                             priorWeight: Double = 1) {
        let n = sortedObservations.count
        centres.removeAll(keepingCapacity: true)
        widths.removeAll(keepingCapacity: true)
        weights.removeAll(keepingCapacity: true)
        cumulative.removeAll(keepingCapacity: true)
        var total = 0.0
        for i in 0..<n { total += observationWeights[i] }
        total += priorWeight
        for i in 0..<n { weights.append(n == 0 ? 1 : observationWeights[i] / total) }
        weights.append(n == 0 ? 1 : priorWeight / total)
        var running = 0.0
        for w in weights {
            running += w
            cumulative.append(running)
        }
        if case .choice(let count) = dimension {
            fitChoices(sortedObservations, count: count, priorWeight: priorWeight)
            return
        }
        let scale = 1 / range
        for i in 0..<n { centres.append((sortedObservations[i] - low) * scale) }
        Self.appendWidths(sortedCentres: centres, to: &widths)
        centres.append(0.5)
        widths.append(1)
        coefficients.removeAll(keepingCapacity: true)
        inverseWidths.removeAll(keepingCapacity: true)
        let discrete = if case .intUniform = dimension { true } else { false }
        for i in 0...n {
            let (mu, sigma) = (centres[i], widths[i])
            let (a, b) = ((0 - mu) / sigma, (1 - mu) / sigma)
            // Both ends past 9 widths: the mass outside is below 1e-19, no erfc needed.
            let inside = a < -9 && b > 9 ? 1 : TruncatedNormal.mass(a, b)
            inverseWidths.append(1 / sigma)
            coefficients.append(discrete ? weights[i] / inside : weights[i] / (sigma * TruncatedNormal.sqrtTwoPi * inside))
        }
        packed.removeAll(keepingCapacity: true)
        var i = 0
        while i <= n {
            var c = SIMD4<Double>(repeating: 0.5), v = SIMD4<Double>(repeating: 1), k = SIMD4<Double>(repeating: 0)
            for lane in 0..<4 where i + lane <= n {
                (c[lane], v[lane], k[lane]) = (centres[i + lane], inverseWidths[i + lane], coefficients[i + lane])
            }
            packed.append((c, v, k))
            i += 4
        }
        fitReach()
    }

    /// Kernels farther than this many widths give exp(-z²/2) = 0 in `FastExp` (its
    /// cut-off is z² >= 1400, z >= 37.42; the margin covers rounding in z).
    static let reach = 37.5

    private mutating func fitReach() {
        let blocks = packed.count - 1
        reachAbove.removeAll(keepingCapacity: true)
        reachBelow.removeAll(keepingCapacity: true)
        guard blocks > 0 else { return }
        var highest = -Double.infinity
        for b in 0..<blocks {
            for lane in 0..<4 { highest = max(highest, centres[b * 4 + lane] + Self.reach * widths[b * 4 + lane]) }
            reachAbove.append(highest)
        }
        reachBelow.append(contentsOf: repeatElement(0, count: blocks))
        var lowest = Double.infinity
        for b in stride(from: blocks - 1, through: 0, by: -1) {
            for lane in 0..<4 { lowest = min(lowest, centres[b * 4 + lane] - Self.reach * widths[b * 4 + lane]) }
            reachBelow[b] = lowest
        }
    }

    /// The blocks (but the last) that can reach `u`: those before the first whose running
    /// reach above is >= u end below u - 37.5 widths, those after the last whose running
    /// reach below is <= u start above u + 37.5 widths.
    private func blocksInReach(_ u: Double) -> Range<Int> {
        let blocks = reachAbove.count
        guard !u.isNaN else { return 0..<blocks }
        var lo = 0, hi = blocks
        while lo < hi {
            let mid = (lo + hi) / 2
            if reachAbove[mid] >= u { hi = mid } else { lo = mid + 1 }
        }
        let first = lo
        lo = first; hi = blocks
        while lo < hi {
            let mid = (lo + hi) / 2
            if reachBelow[mid] > u { hi = mid } else { lo = mid + 1 }
        }
        return first..<lo
    }

    /// Optuna's kernel widths for centres in [0, 1], ascending: the larger gap to a
    /// neighbour (the ends 0 and 1 count as neighbours), the lowest and highest kernels
    /// their inner gap, clipped to [1 / min(100, n + 2), 1].
    static func appendWidths(sortedCentres centres: [Double], to widths: inout [Double]) {
        let n = centres.count
        let start = widths.count
        for i in 0..<n {
            let left = centres[i] - (i == 0 ? 0 : centres[i - 1])
            let right = (i == n - 1 ? 1 : centres[i + 1]) - centres[i]
            widths.append(max(left, right))
        }
        if n >= 2 {
            widths[start] = centres[1] - centres[0]
            widths[start + n - 1] = centres[n - 1] - centres[n - 2]
        }
        let minimum = 1 / min(100, Double(n + 2))
        for i in start..<(start + n) { widths[i] = min(max(widths[i], minimum), 1) }
    }

    private mutating func fitChoices(_ observations: UnsafeBufferPointer<Double>, count: Int, priorWeight: Double) {
        let n = observations.count
        choiceProbabilities.removeAll(keepingCapacity: true)
        guard n > 0 else {
            choiceProbabilities.append(contentsOf: repeatElement(1 / Double(count), count: count))
            return
        }
        // Kernel i puts (share + [value == its observation]) / (share · count + 1) on each
        // value: summed over kernels, the shares add up once and the observations by their
        // weights, so the mixture is O(kernels + values), not O(kernels x values).
        let share = priorWeight / Double(n + 1)
        let norm = share * Double(count) + 1
        var observedWeight = 0.0
        choiceProbabilities.append(contentsOf: repeatElement(0, count: count))
        for i in 0..<n {
            let index = min(max(Int(observations[i]), 0), count - 1)
            choiceProbabilities[index] += weights[i] / norm
            observedWeight += weights[i]
        }
        let prior = weights[n]
        for c in 0..<count {
            choiceProbabilities[c] += observedWeight * share / norm + prior / Double(count)
        }
    }

    /// The log density of the mixture at `x` (internal coordinate; for choices the log
    /// probability of value index `x`, for integers the log mass of `x`).
    public func logDensity(_ x: Double) -> Double {
        switch dimension {
        case .choice:
            return Foundation.log(choiceProbabilities[min(max(Int(x), 0), choiceProbabilities.count - 1)])
        case .intUniform:
            return Foundation.log(discreteMass(x))
        case .uniform, .logUniform:
            return Foundation.log(continuousDensity((x - low) / range)) - Foundation.log(range)
        }
    }

    /// Σ coefficient · exp(-z²/2), with `FastExp` (no branch, no call: the loop is
    /// arithmetic only, which is what makes 24 x 1,000 kernels cost microseconds).
    private func continuousDensity(_ u: Double) -> Double {
        packed.withUnsafeBufferPointer { kernels in
            var sum = SIMD4<Double>(repeating: 0)
            let x = SIMD4<Double>(repeating: u)
            for b in blocksInReach(u) {
                let kernel = kernels[b]
                sum += kernel.coefficient * FastExp.negativeHalfSquare((x - kernel.centre) * kernel.inverse)
            }
            let kernel = kernels[kernels.count - 1]
            sum += kernel.coefficient * FastExp.negativeHalfSquare((x - kernel.centre) * kernel.inverse)
            return sum.sum()
        }
    }

    private func discreteMass(_ k: Double) -> Double {
        let half = 0.5 / range
        let u = (k - low) / range
        var sum = 0.0
        for i in centres.indices {
            let inv = inverseWidths[i]
            let a = (u - half - centres[i]) * inv, b = (u + half - centres[i]) * inv
            // Both bounds past 9 widths on one side: below 1e-19 of the kernel's mass.
            if a > 9 || b < -9 { continue }
            sum += coefficients[i] * TruncatedNormal.mass(a, b)
        }
        return sum
    }

    /// A draw from the mixture (internal coordinate): a kernel by weight, then its
    /// truncated normal (integers rounded, choices by their probabilities).
    public func sample(_ generator: inout SplitMix64) -> Double {
        if case .choice = dimension {
            var u = generator.unit()
            for (c, p) in choiceProbabilities.enumerated() {
                u -= p
                if u < 0 { return Double(c) }
            }
            return Double(choiceProbabilities.count - 1)
        }
        let u = generator.unit() * cumulative[cumulative.count - 1]
        var lo = 0, hi = cumulative.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if cumulative[mid] > u { hi = mid } else { lo = mid + 1 }
        }
        let x = low + range * TruncatedNormal.draw(mu: centres[lo], sigma: widths[lo], low: 0, high: 1, &generator)
        if case .intUniform = dimension { return dimension.value(at: x) }
        return min(max(x, low), low + range)
    }
}
