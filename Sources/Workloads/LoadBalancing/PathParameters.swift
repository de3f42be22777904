/// The fixed properties of one path: capacity, delays, and how its random loss wanders.
///
/// Units: capacity and loads in Mbit/s, delays in milliseconds, loss as a fraction.
struct PathParameters: Sendable, Hashable {
    /// Capacity in Mbit/s; offered load above it overflows and is lost.
    var capacity: Double
    /// Fixed one-way propagation delay in ms.
    var propagationDelay: Double
    /// Standard deviation in ms of the per-step extra delay (0 for a stable path).
    var jitter: Double
    /// Queueing delay is `queueingScale * u / (1 - u)` ms at utilisation `u` (M/M/1-like).
    var queueingScale: Double
    /// The queueing delay never exceeds this (a full buffer), in ms.
    var maxQueueingDelay: Double
    /// Lower and upper bound of the path's random (non-congestion) loss fraction.
    var randomLoss: ClosedRange<Double>
    /// Standard deviation of the random loss's per-step random-walk move.
    var randomLossStep: Double

    /// What the path does with `load` Mbit/s in one step, given this step's random loss
    /// fraction and extra delay (jitter) in ms.
    ///
    /// Overflow above capacity is lost first; the path's random loss then hits what was
    /// accepted, so delivered + lost = offered exactly.
    @inline(__always)
    func carry(load: Double, randomLossFraction: Double, extraDelay: Double) -> PathOutcome {
        let utilisation = load / capacity
        let overflow = max(0, load - capacity)
        let accepted = load - overflow
        let randomlyLost = accepted * randomLossFraction
        let queueing = utilisation >= 1
            ? maxQueueingDelay
            : min(maxQueueingDelay, queueingScale * utilisation / (1 - utilisation))
        let lost = overflow + randomlyLost
        return PathOutcome(
            offered: load,
            delivered: accepted - randomlyLost,
            lost: lost,
            utilisation: utilisation,
            delay: propagationDelay + extraDelay + queueing,
            lossRate: load > 0 ? lost / load : randomLossFraction)
    }
}

/// What one path did with its share of traffic in one step.
struct PathOutcome: Sendable, Hashable {
    /// Offered load in Mbit/s.
    var offered: Double
    /// Delivered load in Mbit/s.
    var delivered: Double
    /// Lost load in Mbit/s (overflow plus random loss).
    var lost: Double
    /// Offered load over capacity (may exceed 1).
    var utilisation: Double
    /// One-way delay in ms: propagation + jitter + queueing.
    var delay: Double
    /// Lost over offered (the random loss fraction when nothing is offered).
    var lossRate: Double
}
