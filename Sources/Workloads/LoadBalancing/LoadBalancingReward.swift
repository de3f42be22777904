#if canImport(Glibc)
import Glibc
#endif

/// The reward the agent is trained on (the sweep's reward-type axis).
struct LoadBalancingReward: Sendable, Hashable {
    /// Which figure the reward is.
    enum Kind: String, Sendable, CaseIterable {
        /// `ln(delivered / offered) - delayWeight * mean delay / 100 ms`.
        case throughputUtility = "throughput-utility"
        /// Minus the fraction of offered traffic lost.
        case loss
        /// Minus the mean delay of delivered traffic, in units of 100 ms.
        case delay
    }

    var kind: Kind
    /// Weight of the delay penalty in the throughput utility, per 100 ms.
    var delayWeight: Double

    /// The log utility of delivered throughput minus the delay penalty; reported for every
    /// reward kind so runs trained on different rewards can be compared.
    ///
    /// Throughput is measured relative to the offered load: `ln(delivered)` and
    /// `ln(delivered / offered)` differ by `ln(offered)`, which no action changes, but that
    /// term's swings with the daily curve would otherwise dominate the critic's targets.
    @inline(__always)
    func throughputUtility(_ outcome: NetworkOutcome) -> Double {
        let offered = outcome.offered
        // A 1e-6 floor: an all-lost step is very bad but finite.
        let deliveredFraction = offered > 0 ? max(outcome.delivered / offered, 1e-6) : 1
        return log(deliveredFraction) - delayWeight * outcome.meanDelay / TwoPathNetwork.delayUnit
    }

    /// The reward of one step.
    @inline(__always)
    func callAsFunction(_ outcome: NetworkOutcome) -> Double {
        switch kind {
        case .throughputUtility: return throughputUtility(outcome)
        case .loss: return -outcome.lossRate
        case .delay: return -outcome.meanDelay / TwoPathNetwork.delayUnit
        }
    }
}
