#if canImport(Glibc)
import Glibc
#endif
import Foundation
import SweepRuntime
import SweepWire
import Testing

/// The worker stepped by the test (`start()`, `runPending()`) with a `ManualClock`: its
/// timers (heartbeats, job timeouts, a stopped job's grace) fire when the test moves the
/// clock, not when real time passes. The runners are real (shell scripts).
@Suite(.serialized) struct WorkerClockTests {
    @Test func heartbeatsComeWhenTheClockPassesTheIntervalAndNameTheRunningJobs() throws {
        let clock = ManualClock()
        // A millisecond: a worker on real time would have sent many by the time the job runs.
        let worker = WorkerHarness(slots: 1, heartbeat: 0.001, clock: clock)
        worker.run(1, value: "sleep")
        #expect(worker.step { worker.liveRunners.count == 1 })
        #expect(worker.heartbeats.isEmpty, "the clock has not moved")
        clock.advance(by: .milliseconds(1))
        #expect(worker.step { worker.heartbeats == [[1]] })
        #expect(worker.closeInput())
    }

    @Test func aJobIsKilledAsTimedOutWhenTheClockPassesItsTimeout() throws {
        let clock = ManualClock()
        let worker = WorkerHarness(slots: 1, heartbeat: 3600, clock: clock)
        worker.run(1, value: "sleep", timeout: 30)
        #expect(worker.step { worker.liveRunners.count == 1 })
        clock.advance(by: .seconds(29))
        #expect(worker.step { true })
        #expect(worker.results[1] == nil && worker.liveRunners.count == 1, "29 s of a 30 s timeout")
        clock.advance(by: .seconds(2))
        #expect(worker.step { worker.results[1] != nil })
        let result = try #require(worker.results[1])
        #expect(result.status == .failed && !result.reportedByJob)
        #expect(result.error == "timed out after 30.0 s")
        #expect(worker.closeInput())
        #expect(worker.liveRunners.isEmpty)
    }

    @Test func aStoppedJobThatIgnoresSIGTERMIsKilledWhenTheClockPassesItsGrace() throws {
        let clock = ManualClock()
        let worker = WorkerHarness(slots: 2, heartbeat: 3600, clock: clock)
        worker.run(1, value: "stubborn")
        #expect(worker.step { worker.logs(of: 1) == ["ignoring TERM"] })
        worker.send(.stop(job: 1, grace: 5))
        // Messages are handled in order: once job 2 is done, the stop has been.
        worker.run(2)
        #expect(worker.step { worker.results[2] != nil })
        let stubborn = try #require(worker.liveRunners.first)
        clock.advance(by: .seconds(4))
        #expect(worker.step { true })
        #expect(worker.results[1] == nil && kill(stubborn, 0) == 0, "SIGTERM ignored, 4 s of a 5 s grace")
        clock.advance(by: .seconds(2))
        #expect(worker.step { worker.results[1] != nil })
        #expect(worker.results[1]?.status == .cancelled)
        #expect(worker.results[1]?.error == "stopped by the coordinator")
        #expect(worker.closeInput())
    }
}
