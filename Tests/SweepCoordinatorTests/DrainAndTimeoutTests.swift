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

    /// Ctrl-C sends `drain` to every worker (once); a worker that then ends its jobs and
    /// exits is no lost host, and one that comes up during the drain is drained too.
    @Test func aDrainIsSentToEveryWorkerAndOneThatExitsAfterItIsNotLost() throws {
        let a = ScriptedTransport("a", slots: 1), b = ScriptedTransport("b", slots: 1), c = ScriptedTransport("c", slots: 1)
        let h = try CoordinatorHarness(jobs: 4, transports: [a, b, c])
        try h.startWithReady(a, b)
        #expect(a.runs.count == 1 && b.runs.count == 1)
        h.events.post(.interrupt)
        try h.step()
        #expect(a.drains == 1 && b.drains == 1)
        #expect(c.drains == 1, "a worker still starting is drained too: it may still be sent it first")
        c.ready()
        try h.step()
        #expect(c.runs.isEmpty && c.drains == 1, "ready during the drain: no job, one drain")
        a.done(h.jobs[0])
        a.closeConnection("the worker exited")
        try h.step()
        #expect(!h.coordinator.isFinished, "b still runs its job")
        h.events.post(.interrupt)
        try h.step()
        #expect(a.drains == 1 && b.drains == 1, "a second Ctrl-C cancels; it drains no one twice")
        b.cancelled(h.jobs[1])
        b.closeConnection("the worker exited")
        try h.step()
        #expect(h.coordinator.isFinished)
        let outcome = try h.coordinator.finish()
        #expect(outcome.hostProblems.isEmpty, "\(outcome.hostProblems)")
        let hosts = try h.store.hosts()
        #expect(hosts.allSatisfy { $0.state == .up }, "\(hosts)")
        #expect(outcome.counts.done == 1 && outcome.counts.cancelled == 1 && outcome.counts.pending == 2)
    }

    /// A worker that exits during a drain with a job still running lost that job: it runs again later.
    @Test func aDrainedWorkerThatExitsWithAJobRunningLosesIt() throws {
        let a = ScriptedTransport("a", slots: 1)
        let h = try CoordinatorHarness(jobs: 1, transports: [a])
        try h.startWithReady(a)
        h.events.post(.interrupt)
        try h.step()
        a.closeConnection("the worker died")
        try h.step()
        #expect(try h.attemptStatuses(h.jobs[0]) == ["lost"])
        #expect(try h.state(h.jobs[0]) == .pending)
    }

    /// After `started`, a heartbeat that no longer lists the job means its end was lost:
    /// the attempt is lost and the job runs again, not counted as a failure. Before
    /// `started`, a heartbeat without it is no evidence (the `run` may be on its way).
    @Test func aStartedJobMissingFromTheHeartbeatIsLostAndRunsAgain() throws {
        let a = ScriptedTransport("a", slots: 1)
        let h = try CoordinatorHarness(jobs: 2, transports: [a])
        try h.startWithReady(a)
        let job = h.jobs[0]
        a.heartbeat(running: [])
        try h.step()
        #expect(try h.attemptStatuses(job) == ["running"], "not yet started: the heartbeat may predate the run")
        a.started(job)
        a.heartbeat()
        try h.step()
        #expect(try h.attemptStatuses(job) == ["running"], "listed: still running")
        a.heartbeat(running: [])
        try h.step()
        #expect(try h.attemptStatuses(job) == ["lost", "running"])
        #expect(a.runs.map(\.job) == [job, job] && a.runs.map(\.attempt) == [1, 2], "it runs again first")
        #expect(try h.store.jobs(of: h.prepared.sweep.id).first { $0.id == job }?.failures == 0)
        // The late `finished` of the lost attempt changes nothing.
        a.done(job, attempt: 1)
        try h.step()
        #expect(try h.attemptStatuses(job) == ["lost", "running"])
    }

    /// A heartbeat listing a job the coordinator does not run there (it gave it up) cancels it.
    @Test func aJobTheWorkerRunsUnbeknownIsCancelled() throws {
        let a = ScriptedTransport("a", slots: 1)
        let h = try CoordinatorHarness(jobs: 1, transports: [a])
        try h.startWithReady(a)
        a.heartbeat()
        try h.step()
        #expect(a.cancels.isEmpty)
        a.heartbeat(running: [h.jobs[0], 999])
        try h.step()
        #expect(a.cancels == [999])
    }

    /// The timeout backstop counts from the worker's `started`, not from when the run was sent.
    @Test func theTimeoutBackstopCountsFromTheStart() throws {
        let a = ScriptedTransport("a", slots: 1)
        let h = try CoordinatorHarness(jobs: 1, transports: [a]) { $0.timeout = .seconds(10); $0.hostGrace = .seconds(30) }
        try h.startWithReady(a)
        try h.advance(.seconds(20))
        a.started(h.jobs[0])
        a.heartbeat()
        try h.step()
        try h.advance(.seconds(25))
        a.heartbeat()
        try h.advance(.seconds(14))
        #expect(a.cancels.isEmpty, "59 s after the run was sent, 39 s after it started: within timeout + grace")
        a.heartbeat()
        try h.advance(.seconds(2))
        #expect(a.cancels == [h.jobs[0]])
    }
}
