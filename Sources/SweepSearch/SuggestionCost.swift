#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SweepCore

/// What one proposal costs with `trials` finished trials already in the model: the
/// figure `sweep bench tpe` reports beside Optuna's ask + tell.
public enum SuggestionCost {
    /// Fills a sampler with `trials` random finished trials of `objective`, then times
    /// `proposals` proposals, each added (as finished) before the next, as a search would.
    /// Returns seconds of this thread's CPU time per proposal: on a machine shared with
    /// other builds, wall time would measure them too.
    public static func measure(_ objective: SyntheticObjective, trials: Int, proposals: Int = 50, seed: UInt64 = 0,
                               multivariate: Bool = true) -> Double {
        let sampler = TPESampler(dimensions: objective.dimensions, settings: .init(multivariate: multivariate))
        var generator = SplitMix64(seed: seed)
        for _ in 0..<trials {
            let x = objective.dimensions.map { $0.randomCoordinate(&generator) }
            sampler.add(x, outcome: .complete(objective.evaluate(zip(objective.dimensions, x).map { $0.value(at: $1) })))
        }
        let start = threadTime()
        for _ in 0..<proposals {
            let p = sampler.propose(&generator)
            sampler.add(p.coordinates, outcome: .complete(objective.evaluate(zip(objective.dimensions, p.coordinates).map { $0.value(at: $1) })))
        }
        return (threadTime() - start) / Double(proposals)
    }

    static func threadTime() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }
}
