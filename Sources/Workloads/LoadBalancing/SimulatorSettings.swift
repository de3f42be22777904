import SweepCore

/// Everything the simulator needs, read from a job's config (keys listed in
/// `LoadBalancingPPO.parameters`).
struct SimulatorSettings: Sendable, Hashable {
    var mpls: PathParameters
    var internet: PathParameters
    var traffic: TrafficParameters
    /// Fraction of flows replaced per step (see `TwoPathNetwork`).
    var turnover: Double
    /// The static baseline's MPLS share, also every episode's initial split.
    var staticShare: Double
    var reward: LoadBalancingReward
    var episodeSteps: Int

    /// Reads the settings from a resolved config.
    init(_ config: JobConfig) {
        let queueingScale = config.double("queue.scale"), maxQueueing = config.double("queue.max_delay")
        mpls = PathParameters(
            capacity: config.double("mpls.capacity"), propagationDelay: config.double("mpls.delay"), jitter: 0,
            queueingScale: queueingScale, maxQueueingDelay: maxQueueing, randomLoss: 0...0, randomLossStep: 0)
        internet = PathParameters(
            capacity: config.double("internet.capacity"), propagationDelay: config.double("internet.delay"),
            jitter: config.double("internet.jitter"), queueingScale: queueingScale, maxQueueingDelay: maxQueueing,
            randomLoss: config.double("internet.loss_min")...config.double("internet.loss_max"),
            randomLossStep: config.double("internet.loss_step"))
        traffic = TrafficParameters(
            mean: config.double("traffic.mean"), amplitude: config.double("traffic.amplitude"),
            period: config.int("traffic.period"), walkStep: config.double("traffic.walk_step"),
            walkLimit: config.double("traffic.walk_limit"), burstProbability: config.double("traffic.burst_prob"),
            burstSize: config.double("traffic.burst_size"), burstSteps: config.double("traffic.burst_steps"))
        turnover = config.double("flows.turnover")
        staticShare = config.double("baseline.static_split")
        reward = LoadBalancingReward(
            kind: LoadBalancingReward.Kind(rawValue: config.string("reward"))!,
            delayWeight: config.double("delay_weight"))
        episodeSteps = config.int("episode_steps")
    }

    /// The simulator's parameters with their defaults and meaning.
    static let parameters: [ParamSpec] = [
        .int("episode_steps", 288, in: 2...1_000_000, "Control steps per episode (288 = one day of 5-minute steps)."),
        .choice("reward", "throughput-utility", LoadBalancingReward.Kind.allCases.map(\.rawValue),
                "Training reward: ln(delivered/offered) - delay_weight * delay/100ms | minus loss rate | minus delay/100ms."),
        .real("delay_weight", 0.5, in: 0...100, "Weight of the delay penalty (per 100 ms) in the throughput utility."),
        .real("mpls.capacity", 60, in: 0.001...1e6, "MPLS path capacity, Mbit/s."),
        .real("mpls.delay", 10, in: 0...10_000, "MPLS propagation delay, ms (stable, no random loss)."),
        .real("internet.capacity", 100, in: 0.001...1e6, "Internet path capacity, Mbit/s."),
        .real("internet.delay", 25, in: 0...10_000, "Internet propagation delay, ms."),
        .real("internet.jitter", 5, in: 0...10_000, "Internet extra delay per step: |N(0, jitter)| ms."),
        .real("internet.loss_min", 0, in: 0...1, "Lower bound of the Internet path's random loss fraction."),
        .real("internet.loss_max", 0.15, in: 0...1, "Upper bound of the Internet path's random loss fraction."),
        .real("internet.loss_step", 0.01, in: 0...1, "Per-step sd of the random loss's reflected random walk."),
        .real("queue.scale", 2, in: 0...10_000, "Queueing delay scale q: delay = q * u / (1 - u) ms at utilisation u."),
        .real("queue.max_delay", 200, in: 0...100_000, "Cap of the queueing delay (full buffer), ms."),
        .real("flows.turnover", 0.5, in: 0.001...1, "Fraction of flows replaced per step; only new flows follow the action."),
        .real("traffic.mean", 100, in: 0...1e6, "Mean offered load, Mbit/s."),
        .real("traffic.amplitude", 0.4, in: 0...1, "Relative amplitude of the daily load curve."),
        .int("traffic.period", 288, in: 1...10_000_000, "Steps per simulated day."),
        .real("traffic.walk_step", 0.02, in: 0...1, "Per-step sd of the relative random walk of the load."),
        .real("traffic.walk_limit", 0.2, in: 0...10, "Bound of the relative random walk."),
        .real("traffic.burst_prob", 0.02, in: 0...1, "Probability per step that a burst starts."),
        .real("traffic.burst_size", 0.3, in: 0...100, "Mean burst height relative to the mean load."),
        .real("traffic.burst_steps", 5, in: 1...1_000_000, "Decay time constant of a burst, steps."),
        .real("baseline.static_split", 0.5, in: 0...1, "MPLS share of the static-split baseline and of each episode's start."),
    ]

    /// Cross-parameter checks.
    static func problems(in config: JobConfig) -> [ConfigProblem] {
        let low = config.double("internet.loss_min"), high = config.double("internet.loss_max")
        guard low <= high else {
            return [ConfigProblem(param: "internet.loss_max",
                                  message: "must be at least internet.loss_min (\(low)); got \(high)")]
        }
        return []
    }
}
