import SweepCore
import Foundation

/// The Tree-structured Parzen Estimator (Bergstra et al., NeurIPS 2011) with Optuna's
/// defaults: `startup` random trials, then the best gamma(n) = min(⌈0.1 n⌉, 25) finished
/// trials make the "below" density l(x) and the rest the "above" density g(x), over all
/// parameters at once (`multivariate`, Optuna 5.1's default for one objective) or for each
/// on its own; 24 candidates are drawn from l and the one with the largest
/// log l(x) - log g(x) (expected improvement) is proposed.
///
/// Trials still running are "above" (Optuna's `constant_liar`: as if they had the worst
/// value), so parallel workers are steered away from what is already being tried;
/// failed trials are left out. Losses are lower-is-better: the caller turns its
/// objective's direction into that.
///
/// Cost of a proposal (why it stays small at 10,000 trials): each parameter's
/// observations are kept in value order as trials are added (an insertion, not a sort per
/// proposal), so splitting them into the two sorted kernel lists is one pass; the below
/// set has at most 26 kernels; the above density is evaluated only at the 24 candidates
/// (24 x trials kernels, an `exp` each, four at a time; one parameter's kernels beyond
/// 37.5 widths, exactly 0, skipped by a binary search); the buffers are reused.
public final class TPESampler {
    public struct Settings: Sendable, Hashable {
        /// Finished trials drawn at random before the model is used (Optuna's `n_startup_trials`).
        public var startup = 10
        /// Candidates drawn from l(x) per parameter (Optuna's `n_ei_candidates`).
        public var candidates = 24
        /// The prior kernel's weight, against 1 for an observation.
        public var priorWeight = 1.0
        /// Model the parameters jointly (Optuna's `multivariate=True`: Optuna 5.1's
        /// `TPESampler()` resolves its `multivariate=None` to true for one objective) rather
        /// than each on its own (`false`, Optuna's older default).
        public var multivariate = true
        public init(startup: Int = 10, candidates: Int = 24, priorWeight: Double = 1.0, multivariate: Bool = true) {
            self.startup = startup
            self.candidates = candidates
            self.priorWeight = priorWeight
            self.multivariate = multivariate
        }
    }

    /// What the model knows of a trial.
    public enum Outcome: Sendable, Hashable {
        /// Finished with this loss (lower is better).
        case complete(Double)
        /// Proposed and not finished: counted as the worst (constant liar).
        case running
        /// Failed, or has no value at the budget modelled: not in the model.
        case excluded
    }

    /// A proposed point, and what it was proposed from.
    public struct Proposal: Sendable, Hashable {
        /// Internal coordinates, one per dimension (`SearchDimension.value(at:)` gives values).
        public var coordinates: [Double]
        /// "random (startup, 3 of 10 finished)" or "tpe: 2 below, 15 above (1 running)".
        public var basis: String
    }

    public let dimensions: [SearchDimension]
    public let settings: Settings
    /// Trial t's coordinates at [t * d ..< (t + 1) * d].
    private var points: [Double] = []
    public private(set) var outcomes: [Outcome] = []
    /// Per dimension, the trials in ascending order of their coordinate.
    private var orders: [[Int32]]
    /// Buffers kept between proposals. `propose` swaps them into locals first: a class's
    /// stored arrays would be checked for exclusive access on every element touched.
    private struct Scratch {
        var split: [UInt8] = []
        var trialWeights: [Double] = []
        var ranked: [Int32] = []
        var losses: [Double] = []
        var belowValues: [Double] = [], belowWeights: [Double] = []
        var aboveValues: [Double] = [], aboveWeights: [Double] = []
        var below: [ParzenEstimator] = []
        var above: [ParzenEstimator] = []
        var kernelOf: [Int32] = []
        var belowTrials: [Int32] = [], aboveTrials: [Int32] = []
        var jointBelow: JointParzenEstimator?
        var jointAbove: JointParzenEstimator?
    }
    private var scratch = Scratch()

    public init(dimensions: [SearchDimension], settings: Settings = Settings()) {
        self.dimensions = dimensions
        self.settings = settings
        orders = dimensions.map { _ in [] }
        scratch.below = dimensions.map { ParzenEstimator(dimension: $0) }
        scratch.above = dimensions.map { ParzenEstimator(dimension: $0) }
    }

    public var count: Int { outcomes.count }

    /// Optuna's `default_gamma`: min(ceil(0.1 n), 25), computed as Optuna does (in floating
    /// point; it equals the integer ceiling for every n below 100,000).
    public static func gamma(_ n: Int) -> Int { min(Int((0.1 * Double(n)).rounded(.up)), 25) }

    /// Optuna's `default_weights`: 1 each below 25 observations; else the oldest n - 25
    /// ramp up linearly from 1/n (numpy's `linspace(1/n, 1, n - 25)`) and the newest 25 are 1.
    public static func observationWeight(rank: Int, of n: Int) -> Double {
        guard n >= 25, rank < n - 25 else { return 1 }
        let steps = n - 25
        if steps == 1 { return 1 / Double(n) }
        let start = 1 / Double(n)
        return start + Double(rank) * ((1 - start) / Double(steps - 1))
    }

    /// Adds a trial at `coordinates` (running until `record`); returns its index.
    @discardableResult
    public func add(_ coordinates: [Double], outcome: Outcome = .running) -> Int {
        precondition(coordinates.count == dimensions.count)
        let t = outcomes.count
        points.append(contentsOf: coordinates)
        outcomes.append(outcome)
        let d = dimensions.count
        var orders: [[Int32]] = []
        swap(&orders, &self.orders)
        defer { swap(&orders, &self.orders) }
        points.withUnsafeBufferPointer { points in
            for j in 0..<d {
                let x = coordinates[j]
                // After equal values: ties stay in trial order, as a stable sort would leave them.
                var lo = 0, hi = orders[j].count
                orders[j].withUnsafeBufferPointer { order in
                    while lo < hi {
                        let mid = (lo + hi) / 2
                        if points[Int(order[mid]) * d + j] <= x { lo = mid + 1 } else { hi = mid }
                    }
                }
                orders[j].insert(Int32(t), at: lo)
            }
        }
        return t
    }

    public func record(_ trial: Int, _ outcome: Outcome) { outcomes[trial] = outcome }

    public func coordinates(of trial: Int) -> [Double] {
        Array(points[trial * dimensions.count ..< (trial + 1) * dimensions.count])
    }

    /// The next point to try.
    public func propose(_ generator: inout SplitMix64) -> Proposal {
        let n = outcomes.count
        var finished = 0, running = 0
        for case let outcome in outcomes {
            if case .complete = outcome { finished += 1 } else if outcome == .running { running += 1 }
        }
        guard finished >= settings.startup, finished > 0 else {
            return Proposal(coordinates: dimensions.map { $0.randomCoordinate(&generator) },
                            basis: "random (startup, \(finished) of \(settings.startup) finished)")
        }
        var w = Scratch()
        swap(&w, &scratch)
        defer { swap(&w, &scratch) }
        let points = self.points, outcomes = self.outcomes, orders = self.orders
        // Below: the gamma best finished trials (ties to the older one).
        w.ranked.removeAll(keepingCapacity: true)
        w.losses.removeAll(keepingCapacity: true)
        for t in 0..<n {
            if case .complete(let loss) = outcomes[t] {
                w.ranked.append(Int32(t))
                w.losses.append(loss.isNaN ? .infinity : loss)
            } else {
                w.losses.append(.infinity)
            }
        }
        let nBelow = Self.gamma(finished)
        w.losses.withUnsafeBufferPointer { loss in
            w.ranked.sort { a, b in loss[Int(a)] < loss[Int(b)] || (loss[Int(a)] == loss[Int(b)] && a < b) }
        }
        w.split.removeAll(keepingCapacity: true)
        w.split.append(contentsOf: repeatElement(0, count: n))
        for i in 0..<nBelow { w.split[Int(w.ranked[i])] = 1 }
        for t in 0..<n where w.split[t] == 0 && outcomes[t] != .excluded { w.split[t] = 2 }
        // Weights by age within each set (trial order).
        let nAbove = finished - nBelow + running
        w.trialWeights.removeAll(keepingCapacity: true)
        w.trialWeights.append(contentsOf: repeatElement(0, count: n))
        var belowRank = 0, aboveRank = 0
        for t in 0..<n {
            if w.split[t] == 1 {
                w.trialWeights[t] = Self.observationWeight(rank: belowRank, of: nBelow)
                belowRank += 1
            } else if w.split[t] == 2 {
                w.trialWeights[t] = Self.observationWeight(rank: aboveRank, of: nAbove)
                aboveRank += 1
            }
        }
        let d = dimensions.count
        var result = [Double](repeating: 0, count: d)
        if settings.multivariate {
            proposeJointly(&w, result: &result, points: points, orders: orders, nBelow: nBelow, nAbove: nAbove, &generator)
            return Proposal(coordinates: result, basis: "tpe (joint): \(nBelow) below, \(nAbove - running) above"
                                + (running > 0 ? " (+\(running) running)" : ""))
        }
        for j in 0..<d {
            if dimensions[j].isSingleValued {
                result[j] = dimensions[j].randomCoordinate(&generator)
                continue
            }
            w.belowValues.removeAll(keepingCapacity: true); w.belowWeights.removeAll(keepingCapacity: true)
            w.aboveValues.removeAll(keepingCapacity: true); w.aboveWeights.removeAll(keepingCapacity: true)
            for t32 in orders[j] {
                let t = Int(t32)
                switch w.split[t] {
                case 1: w.belowValues.append(points[t * d + j]); w.belowWeights.append(w.trialWeights[t])
                case 2: w.aboveValues.append(points[t * d + j]); w.aboveWeights.append(w.trialWeights[t])
                default: break
                }
            }
            result[j] = Self.bestCandidate(below: &w.below[j], above: &w.above[j], belowValues: w.belowValues,
                                           belowWeights: w.belowWeights, aboveValues: w.aboveValues,
                                           aboveWeights: w.aboveWeights, settings: settings, &generator)
        }
        return Proposal(coordinates: result, basis: "tpe: \(nBelow) below, \(nAbove - running) above"
                            + (running > 0 ? " (+\(running) running)" : ""))
    }

    /// The multivariate proposal: one joint estimator per set over the parameters that
    /// have more than one value; the others take their one value.
    private func proposeJointly(_ w: inout Scratch, result: inout [Double], points: [Double], orders: [[Int32]],
                                nBelow: Int, nAbove: Int, _ generator: inout SplitMix64) {
        let d = dimensions.count
        let modelled = (0..<d).filter { !dimensions[$0].isSingleValued }
        for j in 0..<d where dimensions[j].isSingleValued { result[j] = dimensions[j].randomCoordinate(&generator) }
        guard !modelled.isEmpty else { return }
        let n = outcomes.count
        w.belowTrials.removeAll(keepingCapacity: true)
        w.aboveTrials.removeAll(keepingCapacity: true)
        w.kernelOf.removeAll(keepingCapacity: true)
        w.kernelOf.append(contentsOf: repeatElement(-1, count: n))
        for t in 0..<n {
            if w.split[t] == 1 {
                w.kernelOf[t] = Int32(w.belowTrials.count)
                w.belowTrials.append(Int32(t))
            } else if w.split[t] == 2 {
                w.kernelOf[t] = Int32(w.aboveTrials.count)
                w.aboveTrials.append(Int32(t))
            }
        }
        let dims = modelled.map { dimensions[$0] }
        var below = w.jointBelow ?? JointParzenEstimator(dimensions: dims)
        var above = w.jointAbove ?? JointParzenEstimator(dimensions: dims)
        let split = w.split, kernelOf = w.kernelOf
        for (set, estimator) in [(UInt8(1), 0), (UInt8(2), 1)] {
            let trials = set == 1 ? w.belowTrials : w.aboveTrials
            let weights = trials.map { w.trialWeights[Int($0)] }
            func fit(_ e: inout JointParzenEstimator) {
                e.fit(trials: trials, weights: weights, priorWeight: settings.priorWeight,
                      point: { t, jj in points[t * d + modelled[jj]] },
                      sortedIn: { jj in orders[modelled[jj]].filter { split[Int($0)] == set } },
                      kernelOf: { Int(kernelOf[Int($0)]) })
            }
            if estimator == 0 { fit(&below) } else { fit(&above) }
        }
        let chosen = Self.best(of: settings.candidates, draw: { below.sample(&generator) },
                               score: { below.logDensity($0) - above.logDensity($0) })
        for (jj, j) in modelled.enumerated() { result[j] = chosen[jj] }
        w.jointBelow = below
        w.jointAbove = above
    }

    /// Fits l and g for one parameter and returns the candidate drawn from l with the
    /// largest log l(x) - log g(x).
    private static func bestCandidate(below: inout ParzenEstimator, above: inout ParzenEstimator, belowValues: [Double],
                                      belowWeights: [Double], aboveValues: [Double], aboveWeights: [Double],
                                      settings: Settings, _ generator: inout SplitMix64) -> Double {
        belowValues.withUnsafeBufferPointer { v in
            belowWeights.withUnsafeBufferPointer { w in below.fit(sortedObservations: v, weights: w, priorWeight: settings.priorWeight) }
        }
        aboveValues.withUnsafeBufferPointer { v in
            aboveWeights.withUnsafeBufferPointer { w in above.fit(sortedObservations: v, weights: w, priorWeight: settings.priorWeight) }
        }
        let (l, g) = (below, above)
        return Self.best(of: settings.candidates, draw: { l.sample(&generator) }, score: { l.logDensity($0) - g.logDensity($0) })
    }

    /// The candidate with the largest score of `count` drawn (count >= 1); the first of
    /// equal scores wins, as numpy's argmax, and a NaN score never wins over a number.
    private static func best<T>(of count: Int, draw: () -> T, score: (T) -> Double) -> T {
        var chosen = draw()
        var best = score(chosen)
        if best.isNaN { best = -.infinity }
        for _ in 1..<max(count, 1) {
            let x = draw()
            let s = score(x)
            if s > best {
                best = s
                chosen = x
            }
        }
        return chosen
    }

    /// Log l(x) - log g(x) of the last proposal's densities for dimension `j`: what ranks
    /// the candidates (tests).
    public func expectedImprovement(dimension j: Int, at x: Double) -> Double {
        scratch.below[j].logDensity(x) - scratch.above[j].logDensity(x)
    }
}
