import SweepRuntime
import Testing

@testable import SweepCoordinator

/// The ETA counts down between job ends and moves smoothly when one ends.
@Suite struct ProgressLineTests {
    @Test func theETACountsDownAndIsSmoothedOverJobEnds() {
        let clock = ManualClock()
        let line = ProgressLine(sweep: "t", style: .quiet, clock: clock)
        // 10 jobs in 100 s: 0.1 jobs/s; 90 left: 900 s.
        clock.advance(by: .seconds(100))
        #expect(line.estimate(remaining: 90, finished: 10, elapsed: 100, now: clock.now) == 900)
        // No job ended for 60 s: the ETA counts down instead of growing.
        clock.advance(by: .seconds(60))
        #expect(line.estimate(remaining: 90, finished: 10, elapsed: 160, now: clock.now) == 840)
        // A slow job ends (11 in 400 s, 0.0275/s): the rate moves 30 % of the way, not all of it.
        clock.advance(by: .seconds(240))
        let eta = line.estimate(remaining: 89, finished: 11, elapsed: 400, now: clock.now) ?? 0
        let unsmoothed = 89 / (11.0 / 400)
        #expect(eta < unsmoothed && abs(eta - 89 / (0.7 * 0.1 + 0.3 * 11.0 / 400)) < 1e-9)
        #expect(line.estimate(remaining: 0, finished: 11, elapsed: 400, now: clock.now) == nil)
        // Past its estimate with jobs left (a long last job): no ETA rather than 00:00.
        clock.advance(by: .seconds(100_000))
        #expect(line.estimate(remaining: 89, finished: 11, elapsed: 100_400, now: clock.now) == nil)
    }
}
