import SweepCore
import Foundation

/// The Tree-structured Parzen Estimator (Bergstra et al., NeurIPS 2011) with Optuna's
/// defaults: `startup` random trials, then for each parameter on its own (univariate, as
/// Optuna's `multivariate=False`) the best gamma(n) = min(⌈0.1 n⌉, 25) finished trials
/// make the "below" density l(x) and the rest the "above" density g(x); 24 candidates are
/// drawn from l and the one with the largest log l(x) - log g(x) (expected improvement)
/// is proposed.
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
/// (24 x trials kernels, an `exp` each, far kernels skipped); the buffers are reused.
public final class TPESampler {
    public struct Settings: Sendable, Hashable {
        /// Finished trials drawn at random before the model is used (Optuna's `n_startup_trials`).
        public var startup = 10
        /// Candidates drawn from l(x) per parameter (Optuna's `n_ei_candidates`).
        public var candidates = 24
        /// The prior kernel's weight, against 1 for an observation.
        public var priorWeight = 1.0
        public init(startup: Int = 10) { self.startup = startup }
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
    // Scratch, kept between proposals.
    private var split: [UInt8] = []
    private var trialWeights: [Double] = []
    private var ranked: [Int32] = []
    private var belowValues: [Double] = [], belowWeights: [Double] = []
    private var aboveValues: [Double] = [], aboveWeights: [Double] = []
    private var below: [ParzenEstimator]
    private var above: [ParzenEstimator]

    public init(dimensions: [SearchDimension], settings: Settings = Settings()) {
        self.dimensions = dimensions
        self.settings = settings
        orders = dimensions.map { _ in [] }
        below = dimensions.map { ParzenEstimator(dimension: $0) }
        above = dimensions.map { ParzenEstimator(dimension: $0) }
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
        for j in 0..<d {
            let x = coordinates[j]
            // After equal values: ties stay in trial order, as a stable sort would leave them.
            var lo = 0, hi = orders[j].count
            while lo < hi {
                let mid = (lo + hi) / 2
                if points[Int(orders[j][mid]) * d + j] <= x { lo = mid + 1 } else { hi = mid }
            }
            orders[j].insert(Int32(t), at: lo)
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
        // Below: the gamma best finished trials (ties to the older one).
        ranked.removeAll(keepingCapacity: true)
        for t in 0..<n { if case .complete = outcomes[t] { ranked.append(Int32(t)) } }
        let nBelow = Self.gamma(finished)
        ranked.sort { a, b in
            let (la, lb) = (loss(Int(a)), loss(Int(b)))
            return la < lb || (la == lb && a < b)
        }
        split.removeAll(keepingCapacity: true)
        split.append(contentsOf: repeatElement(0, count: n))
        for i in 0..<nBelow { split[Int(ranked[i])] = 1 }
        for t in 0..<n where split[t] == 0 && outcomes[t] != .excluded { split[t] = 2 }
        // Weights by age within each set (trial order).
        let nAbove = finished - nBelow + running
        trialWeights.removeAll(keepingCapacity: true)
        trialWeights.append(contentsOf: repeatElement(0, count: n))
        var belowRank = 0, aboveRank = 0
        for t in 0..<n {
            if split[t] == 1 {
                trialWeights[t] = Self.observationWeight(rank: belowRank, of: nBelow)
                belowRank += 1
            } else if split[t] == 2 {
                trialWeights[t] = Self.observationWeight(rank: aboveRank, of: nAbove)
                aboveRank += 1
            }
        }
        let d = dimensions.count
        var result = [Double](repeating: 0, count: d)
        for j in 0..<d {
            if dimensions[j].isSingleValued {
                result[j] = dimensions[j].randomCoordinate(&generator)
                continue
            }
            belowValues.removeAll(keepingCapacity: true); belowWeights.removeAll(keepingCapacity: true)
            aboveValues.removeAll(keepingCapacity: true); aboveWeights.removeAll(keepingCapacity: true)
            for t32 in orders[j] {
                let t = Int(t32)
                switch split[t] {
                case 1: belowValues.append(points[t * d + j]); belowWeights.append(trialWeights[t])
                case 2: aboveValues.append(points[t * d + j]); aboveWeights.append(trialWeights[t])
                default: break
                }
            }
            belowValues.withUnsafeBufferPointer { v in
                belowWeights.withUnsafeBufferPointer { w in below[j].fit(sortedObservations: v, weights: w, priorWeight: settings.priorWeight) }
            }
            aboveValues.withUnsafeBufferPointer { v in
                aboveWeights.withUnsafeBufferPointer { w in above[j].fit(sortedObservations: v, weights: w, priorWeight: settings.priorWeight) }
            }
            var best = -Double.infinity
            var chosen: Double?
            for _ in 0..<settings.candidates {
                let x = below[j].sample(&generator)
                let score = below[j].logDensity(x) - above[j].logDensity(x)
                // The first of equal scores wins, as numpy's argmax.
                if chosen == nil || score > best {
                    best = score.isNaN ? -.infinity : score
                    chosen = x
                }
            }
            result[j] = chosen ?? below[j].sample(&generator)
        }
        return Proposal(coordinates: result, basis: "tpe: \(nBelow) below, \(nAbove - running) above"
                            + (running > 0 ? " (+\(running) running)" : ""))
    }

    private func loss(_ t: Int) -> Double {
        if case .complete(let value) = outcomes[t] { return value }
        return .infinity
    }

    /// Log l(x) - log g(x) of the last proposal's densities for dimension `j`: what ranks
    /// the candidates (tests).
    public func expectedImprovement(dimension j: Int, at x: Double) -> Double {
        below[j].logDensity(x) - above[j].logDensity(x)
    }
}
