/// Running totals of how one policy did over a stretch of steps (one rollout, or an
/// evaluation), turned into the reported metrics.
struct PolicyTally: Sendable {
    private var steps = 0
    private var utility = 0.0
    private var offered = 0.0
    private var lost = 0.0
    private var delivered = 0.0
    private var delayTimesDelivered = 0.0
    private var actions = 0.0
    private var currentReturn = 0.0
    private var finishedReturns = 0.0
    private var finishedEpisodes = 0

    /// Adds one step.
    @inline(__always)
    mutating func record(_ outcome: NetworkOutcome, action: Double, reward: Double, utility stepUtility: Double) {
        steps += 1
        utility += stepUtility
        offered += outcome.offered
        lost += outcome.lost
        delivered += outcome.delivered
        delayTimesDelivered += outcome.meanDelay * outcome.delivered
        actions += action
        currentReturn += reward
    }

    /// Closes the current episode, counting its undiscounted return.
    mutating func endEpisode() {
        finishedReturns += currentReturn
        finishedEpisodes += 1
        currentReturn = 0
    }

    /// Forgets the totals but keeps the episode in progress, so returns span rollouts.
    mutating func clearTotals() {
        let inProgress = currentReturn
        self = PolicyTally()
        currentReturn = inProgress
    }

    /// Mean undiscounted return of the episodes finished since the last clear (NaN if none).
    var episodeReturn: Double { finishedEpisodes > 0 ? finishedReturns / Double(finishedEpisodes) : .nan }

    /// The metrics, named `prefix + name`: `episode_return` (only once an episode
    /// finished), `throughput_utility` (mean per step), `loss_rate` (lost over offered),
    /// `mean_delay_ms` (weighted by delivered traffic), `action_mean`.
    func metrics(prefix: String) -> [String: Double] {
        var metrics: [String: Double] = [
            prefix + "throughput_utility": utility / Double(max(steps, 1)),
            prefix + "loss_rate": offered > 0 ? lost / offered : 0,
            prefix + "mean_delay_ms": delivered > 0 ? delayTimesDelivered / delivered : 0,
            prefix + "action_mean": actions / Double(max(steps, 1)),
        ]
        if finishedEpisodes > 0 { metrics[prefix + "episode_return"] = episodeReturn }
        return metrics
    }
}
