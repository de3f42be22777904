#if canImport(Glibc)
import Glibc
#endif
import KANKit

/// The exogenous side of the simulator: offered load and the Internet path's random loss
/// and jitter, drawn from their own seeded generator so they never depend on actions.
///
/// Several networks driven by the same process (the agent's and the baselines') therefore
/// see exactly the same traffic.
struct TrafficProcess: Sendable {
    /// One step of exogenous conditions.
    struct Sample: Sendable, Hashable {
        /// Offered load in Mbit/s.
        var load: Double
        /// Position in the day, in [0, 1).
        var phase: Double
        /// The Internet path's random loss fraction this step.
        var internetRandomLoss: Double
        /// The Internet path's extra delay (jitter) this step, in ms, >= 0.
        var internetJitter: Double
    }

    let traffic: TrafficParameters
    let internet: PathParameters
    private var random: SeededGenerator
    private var step = 0
    private var walk = 0.0
    private var burst = 0.0
    private var randomLoss: Double

    /// A process seeded with `seed`; the first `next()` call starts at a random time of day.
    init(traffic: TrafficParameters, internet: PathParameters, seed: UInt64) {
        self.traffic = traffic
        self.internet = internet
        random = SeededGenerator(seed: seed)
        step = Int(random.nextDouble() * Double(traffic.period))
        randomLoss = internet.randomLoss.lowerBound
            + random.nextDouble() * (internet.randomLoss.upperBound - internet.randomLoss.lowerBound)
    }

    /// Advances one step and returns its conditions.
    mutating func next() -> Sample {
        let phase = Double(step % traffic.period) / Double(traffic.period)
        step += 1
        walk = min(traffic.walkLimit, max(-traffic.walkLimit, walk + traffic.walkStep * random.normal()))
        burst *= 1 - 1 / traffic.burstSteps
        if random.nextDouble() < traffic.burstProbability {
            burst += traffic.burstSize * traffic.mean * (0.5 + random.nextDouble())
        }
        let daily = 1 - traffic.amplitude * cos(2 * Double.pi * phase)
        let load = max(0, traffic.mean * daily * (1 + walk) + burst)

        // The random loss wanders, reflected at its bounds.
        let bounds = internet.randomLoss
        randomLoss += internet.randomLossStep * random.normal()
        if randomLoss < bounds.lowerBound { randomLoss = 2 * bounds.lowerBound - randomLoss }
        if randomLoss > bounds.upperBound { randomLoss = 2 * bounds.upperBound - randomLoss }
        randomLoss = min(bounds.upperBound, max(bounds.lowerBound, randomLoss))
        let jitter = abs(internet.jitter * random.normal())
        return Sample(load: load, phase: phase, internetRandomLoss: randomLoss, internetJitter: jitter)
    }
}
