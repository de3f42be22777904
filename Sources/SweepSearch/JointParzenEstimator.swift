import Foundation
import SweepCore

/// The Parzen estimator over all parameters at once (Optuna's `multivariate=True`, its
/// default since 4.x for one objective): kernel k is one trial, the product of that
/// trial's kernels in every parameter, with one weight; the prior kernel is the product of
/// the priors. Widths are the one-parameter rule's (`ParzenEstimator.appendWidths`), as in
/// Optuna 5.1, so a parameter's kernels are the same as alone; only the mixing differs: a
/// candidate is drawn from one trial's kernel in every parameter, and scored by the joint
/// density, so parameters that are good together stay together.
struct JointParzenEstimator {
    let dimensions: [SearchDimension]
    /// Per kernel k and parameter j at [k * d + j]: the centre in [0, 1] (a choice: its
    /// index), 1 / width, and the kernel's normaliser in that parameter.
    private(set) var centres: [Double] = []
    private var inverseWidths: [Double] = []
    private var widths: [Double] = []
    private var normalisers: [Double] = []
    /// Kernel weights (normalised, the prior's last) and their running sums.
    private(set) var weights: [Double] = []
    private var cumulative: [Double] = []
    private var kernels = 0
    /// A choice kernel's share of the prior on every value (prior weight / kernels).
    private var share = 0.0
    private var sortedScratch: [Double] = [], widthScratch: [Double] = []
    /// The reals' part of the density loop, per kernel: weight x every real parameter's
    /// normaliser, and the centres and 1 / widths of the reals packed together.
    private var kernelCoefficients: [Double] = []
    private var realCentres: [Double] = [], realInverses: [Double] = []
    /// The same four kernels at a time, for the density loop: [b * reals + r] holds real
    /// parameter r of kernels 4b ..< 4b + 4 (padding lanes have coefficient 0 and are
    /// never added).
    private var blockCentres: [SIMD4<Double>] = [], blockInverses: [SIMD4<Double>] = []
    private var blockCoefficients: [SIMD4<Double>] = []
    private var reals: [Int] = [], discretes: [Int] = []

    init(dimensions: [SearchDimension]) { self.dimensions = dimensions }

    /// Fits trials given as points (internal coordinates, one per parameter) and weights.
    init(dimensions: [SearchDimension], points: [[Double]], weights: [Double], priorWeight: Double = 1) {
        self.init(dimensions: dimensions)
        let trials = points.indices.map { Int32($0) }
        fit(trials: trials, weights: weights, priorWeight: priorWeight, point: { t, j in points[t][j] },
            sortedIn: { j in trials.sorted { (points[Int($0)][j], $0) < (points[Int($1)][j], $1) } }, kernelOf: { Int($0) })
    }

    /// Fits on `trials` (kernel order) whose coordinates are `point(t, j)`, with weights;
    /// `order(j)` lists the same trials in ascending order of parameter j (for the widths).
    mutating func fit(trials: [Int32], weights observationWeights: [Double], priorWeight: Double,
                      point: (Int, Int) -> Double, sortedIn order: (Int) -> [Int32], kernelOf: (Int32) -> Int) {
        let d = dimensions.count, n = trials.count
        kernels = n + 1
        share = priorWeight / Double(n + 1)
        centres.removeAll(keepingCapacity: true)
        centres.append(contentsOf: repeatElement(0, count: kernels * d))
        widths.removeAll(keepingCapacity: true)
        widths.append(contentsOf: repeatElement(1, count: kernels * d))
        weights.removeAll(keepingCapacity: true)
        cumulative.removeAll(keepingCapacity: true)
        var total = priorWeight
        for w in observationWeights { total += w }
        for w in observationWeights { weights.append(w / total) }
        weights.append(n == 0 ? 1 : priorWeight / total)
        var running = 0.0
        for w in weights {
            running += w
            cumulative.append(running)
        }
        for (j, dimension) in dimensions.enumerated() {
            let (low, high) = dimension.bounds
            if case .choice = dimension {
                for (k, t) in trials.enumerated() { centres[k * d + j] = point(Int(t), j) }
                continue
            }
            let range = high - low
            // The widths need the kernels in value order: walk the parameter's order.
            let sorted = order(j)
            sortedScratch.removeAll(keepingCapacity: true)
            for t in sorted { sortedScratch.append(range > 0 ? (point(Int(t), j) - low) / range : 0.5) }
            widthScratch.removeAll(keepingCapacity: true)
            ParzenEstimator.appendWidths(sortedCentres: sortedScratch, to: &widthScratch)
            for (i, t) in sorted.enumerated() {
                let k = kernelOf(t)
                centres[k * d + j] = sortedScratch[i]
                widths[k * d + j] = widthScratch[i]
            }
            centres[n * d + j] = 0.5
            widths[n * d + j] = 1
        }
        reals = dimensions.indices.filter { if case .uniform = dimensions[$0] { true } else if case .logUniform = dimensions[$0] { true } else { false } }
        discretes = dimensions.indices.filter { !reals.contains($0) }
        inverseWidths.removeAll(keepingCapacity: true)
        normalisers.removeAll(keepingCapacity: true)
        for k in 0..<kernels {
            for (j, dimension) in dimensions.enumerated() {
                let (mu, sigma) = (centres[k * d + j], widths[k * d + j])
                inverseWidths.append(1 / sigma)
                let (a, b) = ((0 - mu) / sigma, (1 - mu) / sigma)
                let inside = a < -9 && b > 9 ? 1 : TruncatedNormal.mass(a, b)
                switch dimension {
                case .uniform, .logUniform: normalisers.append(1 / (sigma * TruncatedNormal.sqrtTwoPi * inside))
                case .intUniform: normalisers.append(1 / inside)
                case .choice: normalisers.append(1)
                }
            }
        }
        kernelCoefficients.removeAll(keepingCapacity: true)
        realCentres.removeAll(keepingCapacity: true)
        realInverses.removeAll(keepingCapacity: true)
        for k in 0..<kernels {
            var coefficient = weights[k]
            for j in reals {
                coefficient *= normalisers[k * d + j]
                realCentres.append(centres[k * d + j])
                realInverses.append(inverseWidths[k * d + j])
            }
            kernelCoefficients.append(coefficient)
        }
        packBlocks()
    }

    private mutating func packBlocks() {
        let m = reals.count
        blockCentres.removeAll(keepingCapacity: true)
        blockInverses.removeAll(keepingCapacity: true)
        blockCoefficients.removeAll(keepingCapacity: true)
        var first = 0
        while first < kernels {
            let lanes = min(4, kernels - first)
            var coefficient = SIMD4<Double>(repeating: 0)
            for lane in 0..<lanes { coefficient[lane] = kernelCoefficients[first + lane] }
            blockCoefficients.append(coefficient)
            for r in 0..<m {
                var c = SIMD4<Double>(repeating: 0.5), v = SIMD4<Double>(repeating: 1)
                for lane in 0..<lanes {
                    c[lane] = realCentres[(first + lane) * m + r]
                    v[lane] = realInverses[(first + lane) * m + r]
                }
                blockCentres.append(c)
                blockInverses.append(v)
            }
            first += 4
        }
    }

    /// A candidate (internal coordinates): one kernel by weight, then that kernel in every parameter.
    func sample(_ generator: inout SplitMix64) -> [Double] {
        let d = dimensions.count
        let u = generator.unit() * cumulative[cumulative.count - 1]
        var lo = 0, hi = cumulative.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if cumulative[mid] > u { hi = mid } else { lo = mid + 1 }
        }
        let k = lo, prior = k == kernels - 1
        return dimensions.enumerated().map { j, dimension in
            let (low, high) = dimension.bounds
            switch dimension {
            case .choice(let count):
                // Row: (share + [c == observed]) / (share · count + 1); the prior's uniform.
                if !prior, generator.unit() * (share * Double(count) + 1) < 1 { return centres[k * d + j] }
                return Double(generator.below(UInt64(count)))
            case .uniform, .logUniform, .intUniform:
                let x = low + (high - low) * TruncatedNormal.draw(mu: centres[k * d + j], sigma: widths[k * d + j], low: 0, high: 1, &generator)
                if case .intUniform = dimension { return dimension.value(at: x) }
                return min(max(x, low), high)
            }
        }
    }

    /// log Σ_k w_k Π_j f_kj(x_j), in the parameters' own coordinates.
    func logDensity(_ x: [Double]) -> Double {
        let d = dimensions.count
        var sum = 0.0
        var logJacobian = 0.0
        var u = x
        for (j, dimension) in dimensions.enumerated() {
            let (low, high) = dimension.bounds
            if case .uniform = dimension { logJacobian += Foundation.log(high - low) }
            if case .logUniform = dimension { logJacobian += Foundation.log(high - low) }
            if case .choice = dimension { continue }
            u[j] = (x[j] - low) / (high - low)
        }
        let m = reals.count
        let realPoint = reals.map { u[$0] }
        // Four kernels' squared distances and exps at once; the terms are then added one
        // kernel at a time, in kernel order, so the sum is the scalar loop's to the bit.
        blockCentres.withUnsafeBufferPointer { mu in
            blockInverses.withUnsafeBufferPointer { inv in
                blockCoefficients.withUnsafeBufferPointer { coefficient in
                    var first = 0, block = 0
                    while first < kernels {
                        var squares = SIMD4<Double>(repeating: 0)
                        for r in 0..<m {
                            let z = (SIMD4(repeating: realPoint[r]) - mu[block * m + r]) * inv[block * m + r]
                            squares += z * z
                        }
                        // Four kernels each out of reach in some parameter (s >= 1400: FastExp
                        // is exactly 0): their terms are 0 and adding them changes nothing.
                        if all(squares .>= 1400) {
                            first += 4
                            block += 1
                            continue
                        }
                        let terms = coefficient[block] * FastExp.negativeHalf(ofSquare: squares)
                        for lane in 0..<min(4, kernels - first) {
                            let k = first + lane
                            var term = terms[lane]
                            for j in discretes {
                                let i = k * d + j
                                switch dimensions[j] {
                                case .intUniform(let low, let high):
                                    let half = 0.5 / Double(high - low + 1)
                                    term *= normalisers[i] * TruncatedNormal.mass((u[j] - half - centres[i]) * inverseWidths[i],
                                                                                  (u[j] + half - centres[i]) * inverseWidths[i])
                                case .choice(let count):
                                    term *= k == kernels - 1 ? 1 / Double(count)
                                        : (share + (x[j] == centres[i] ? 1 : 0)) / (share * Double(count) + 1)
                                case .uniform, .logUniform:
                                    break
                                }
                            }
                            sum += term
                        }
                        first += 4
                        block += 1
                    }
                }
            }
        }
        return Foundation.log(sum) - logJacobian
    }
}
