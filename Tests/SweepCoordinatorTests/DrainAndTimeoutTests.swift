import SweepCore
import SweepCoordinator
import SweepStore
import SweepTransport
import SweepWire
import Testing

/// Ctrl-C (drain, then cancel) and job timeouts.
@Suite struct DrainAndTimeoutTests {
    @Test func aFirstInterruptDrainsASecondCancelsTheRunningJobs() throws {
        let a = ScriptedTransport("a", slots: 2)
        let h = try CoordinatorHarness(jobs: 4, transports: [a])
        try h.startWithReady(a)
        #expect(a.runs.count == 2)
        h.events.post(.interrupt)
        try h.step()
        a.done(h.jobs[0])
        try h.step()
        #expect(a.runs.count == 2, "draining starts nothing new")
        #expect(!h.coordinator.isFinished, "one job is still running")
        h.events.post(.interrupt)
        try h.step()
        #expect(a.cancels == [h.jobs[1]])
        a.cancelled(h.jobs[1])
        try h.step()
        #expect(h.coordinator.isFinished)
        let outcome = try h.coordinator.finish()
        #expect(outcome.interrupted)
        #expect(outcome.counts.done == 1 && outcome.counts.cancelled == 1 && outcome.counts.pending == 2)
    }

    @Test func aDrainWithNothingRunningEndsAtOnce() throws {
        let a = ScriptedTransport("a", slots: 1)
        let h = try CoordinatorHarness(jobs: 2, transports: [a])
        try h.start()
        h.events.post(.interrupt)
        try h.step()
        #expect(h.coordinator.isFinished)
        #expect(try h.coordinator.finish().interrupted)
    }

    @Test func theTimeoutTravelsWithTheJobAndTheWorkersTimeoutIsRetried() throws {
        let a = ScriptedTransport("a", slots: 1)
        let h = try CoordinatorHarness(jobs: 1, transports: [a]) { $0.timeout = .seconds(5); $0.quarantineAfter = 0 }
        try h.startWithReady(a)
        #expect(a.runs[0].timeout == 5)
        a.crashed(h.jobs[0], signal: 9)
        try h.step()
        #expect(a.runs.count == 2, "a killed job is retried")
    }

    @Test func aJobStillRunningPastItsTimeoutAndTheGraceIsFailedAndCancelled() throws {
        let a = ScriptedTransport("a", slots: 1)
        let h = try CoordinatorHarness(jobs: 1, transports: [a]) {
            $0.timeout = .seconds(10)
            $0.hostGrace = .seconds(30)
            $0.maxAttempts = 2
        }
        try h.startWithReady(a)
        try h.advance(.seconds(20))
        a.heartbeat()
        try h.advance(.seconds(20))
        a.heartbeat()
        try h.step()
        #expect(a.cancels.isEmpty, "40 s is within timeout + grace")
        try h.advance(.milliseconds(1001))
        #expect(a.cancels == [h.jobs[0]])
        let attempts = try h.store.attempts(of: h.jobs[0])
        #expect(attempts.first?.status == .failed)
        #expect(attempts.first?.error?.contains("timed out after 10") == true)
        #expect(a.runs.map(\.attempt) == [1, 2], "retried like any timeout")
        // The worker's late answer for the given-up attempt changes nothing.
        a.cancelled(h.jobs[0], attempt: 1)
        try h.step()
        #expect(try h.state(h.jobs[0]) == .running)
        #expect(try h.attemptStatuses(h.jobs[0]) == ["failed", "running"])
    }
}
