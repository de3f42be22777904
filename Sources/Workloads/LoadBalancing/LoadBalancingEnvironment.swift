/// The simulator as the agent sees it: seeded traffic, the agent's network and, on the same
/// traffic, the static-split and capacity-proportional baselines; episodes of fixed length.
struct LoadBalancingEnvironment: Sendable {
    private(set) var traffic: TrafficProcess
    private(set) var agent: TwoPathNetwork
    private var staticSplit: TwoPathNetwork
    private var proportional: TwoPathNetwork
    private let staticShare: Double
    private let proportionalShare: Double
    let reward: LoadBalancingReward
    let episodeSteps: Int
    private var stepInEpisode = 0

    /// Totals of the agent's steps.
    private(set) var agentTally = PolicyTally()
    /// Totals of the static split on the same traffic.
    private(set) var staticTally = PolicyTally()
    /// Totals of the capacity-proportional split on the same traffic.
    private(set) var proportionalTally = PolicyTally()

    /// An environment seeded with `seed`, reset to the start of an episode.
    init(_ settings: SimulatorSettings, seed: UInt64) {
        traffic = TrafficProcess(traffic: settings.traffic, internet: settings.internet, seed: seed)
        staticShare = settings.staticShare
        proportionalShare = settings.mpls.capacity / (settings.mpls.capacity + settings.internet.capacity)
        agent = TwoPathNetwork(mpls: settings.mpls, internet: settings.internet, turnover: settings.turnover,
                               initialShare: staticShare)
        staticSplit = agent
        proportional = agent
        reward = settings.reward
        episodeSteps = settings.episodeSteps
        reset()
    }

    /// Starts an episode: every network's flows go back to the static split.
    private mutating func reset() {
        let sample = traffic.next()
        agent.reset(share: staticShare, sample: sample)
        staticSplit.reset(share: staticShare, sample: sample)
        proportional.reset(share: proportionalShare, sample: sample)
        stepInEpisode = 0
    }

    /// Writes the agent's 10 state features (see `TwoPathNetwork.observe(into:)`).
    func observe(into features: UnsafeMutablePointer<Float>) {
        agent.observe(into: features)
    }

    /// Applies `action` (fraction of new flows on MPLS) for one step, steps the baselines
    /// on the same traffic, and starts a new episode when this one is over.
    /// - Returns: the agent's reward and whether the episode ended with this step.
    @inline(__always)
    mutating func step(action: Double) -> (reward: Double, done: Bool) {
        let sample = traffic.next()
        let outcome = agent.step(action: action, sample: sample)
        let agentReward = reward(outcome)
        agentTally.record(outcome, action: agent.previousAction, reward: agentReward, utility: reward.throughputUtility(outcome))
        let staticOutcome = staticSplit.step(action: staticShare, sample: sample)
        staticTally.record(staticOutcome, action: staticShare, reward: reward(staticOutcome),
                           utility: reward.throughputUtility(staticOutcome))
        let proportionalOutcome = proportional.step(action: proportionalShare, sample: sample)
        proportionalTally.record(proportionalOutcome, action: proportionalShare, reward: reward(proportionalOutcome),
                                 utility: reward.throughputUtility(proportionalOutcome))
        stepInEpisode += 1
        guard stepInEpisode == episodeSteps else { return (agentReward, false) }
        agentTally.endEpisode()
        staticTally.endEpisode()
        proportionalTally.endEpisode()
        reset()
        return (agentReward, true)
    }

    /// The metrics since the last clear: the agent's unprefixed, the baselines' prefixed
    /// `static.` and `proportional.` (see `PolicyTally.metrics(prefix:)`).
    var metrics: [String: Double] {
        agentTally.metrics(prefix: "")
            .merging(staticTally.metrics(prefix: "static."), uniquingKeysWith: { a, _ in a })
            .merging(proportionalTally.metrics(prefix: "proportional."), uniquingKeysWith: { a, _ in a })
    }

    /// Starts new totals (episodes in progress keep their returns).
    mutating func clearTallies() {
        agentTally.clearTotals()
        staticTally.clearTotals()
        proportionalTally.clearTotals()
    }
}
