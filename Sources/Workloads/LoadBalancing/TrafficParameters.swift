/// How the offered load evolves: a daily curve, times a bounded random walk, plus bursts.
///
/// `load = mean * (1 - amplitude * cos(2 pi phase)) * (1 + walk) + burst`, where the
/// phase runs through one day every `period` steps, the walk moves by N(0, walkStep) and
/// stays within +-walkLimit, and a burst of `burstSize * mean * U(0.5, 1.5)` starts with
/// probability `burstProbability` per step and decays by `1 - 1/burstSteps` per step.
struct TrafficParameters: Sendable, Hashable {
    /// Mean offered load in Mbit/s.
    var mean: Double
    /// Relative amplitude of the daily curve (0 = flat).
    var amplitude: Double
    /// Steps per simulated day.
    var period: Int
    /// Standard deviation of the random walk's relative step.
    var walkStep: Double
    /// Bound of the relative random walk.
    var walkLimit: Double
    /// Probability per step that a burst starts.
    var burstProbability: Double
    /// Mean burst height relative to `mean`.
    var burstSize: Double
    /// Time constant of a burst's decay, in steps.
    var burstSteps: Double
}
