import SweepCore
import SweepCoordinator
import SweepStore
import SweepWire
import Testing

/// Scheduling, retries and quarantine, with a scripted worker and a manual clock.
@Suite struct SchedulingTests {
    @Test func jobsGoOutInPlanOrderUpToTheSlotsAndEachEndsDoneOnce() throws {
        let host = ScriptedTransport("a", slots: 2)
        let h = try CoordinatorHarness(jobs: 3, transports: [host])
        try h.start()
        #expect(host.runs.isEmpty, "nothing is sent before the worker says it is ready")
        host.ready()
        try h.step()
        #expect(host.runs.map(\.job) == Array(h.jobs.prefix(2)))
        host.metric(h.jobs[0], epoch: 1, ["loss": 0.5])
        host.done(h.jobs[0])
        try h.step()
        #expect(host.runs.map(\.job) == h.jobs, "the freed slot takes the third job")
        #expect(try h.state(h.jobs[0]) == .done)
        // The attempt's metrics were written before it was closed.
        #expect(try h.store.metrics(of: h.jobs[0]).map(\.value) == [0.5])
        host.done(h.jobs[1])
        host.done(h.jobs[2])
        try h.step()
        #expect(h.coordinator.isFinished)
        let outcome = try h.coordinator.finish()
        #expect(outcome.counts.done == 3 && outcome.finished == 3 && !outcome.interrupted)
        #expect(host.closes == 1, "the connection is closed at the end")
    }

    @Test func theWorkersOwnSlotCountLimitsTheJobsSent() throws {
        let host = ScriptedTransport("a", slots: 4)
        let h = try CoordinatorHarness(jobs: 4, transports: [host])
        try h.start()
        host.ready(slots: 1)
        try h.step()
        #expect(host.runs.count == 1)
    }

    @Test func aFailureTheJobReportsItselfIsNotRetried() throws {
        let host = ScriptedTransport("a", slots: 1)
        let h = try CoordinatorHarness(jobs: 1, transports: [host]) { $0.maxAttempts = 3 }
        try h.startWithReady(host)
        host.failed(h.jobs[0], error: "data set mnist is missing")
        try h.step()
        #expect(try h.state(h.jobs[0]) == .failed)
        #expect(try h.attemptStatuses(h.jobs[0]) == ["failed"])
        #expect(host.runs.count == 1, "not sent again")
        #expect(h.coordinator.isFinished)
        #expect(try h.store.jobs(of: h.prepared.sweep.id)[0].error == "data set mnist is missing")
    }

    @Test func aCrashIsRetriedUpToMaxAttemptsThenKeptFailed() throws {
        let host = ScriptedTransport("a", slots: 1)
        let h = try CoordinatorHarness(jobs: 1, transports: [host]) { $0.maxAttempts = 2; $0.quarantineAfter = 0 }
        try h.startWithReady(host)
        host.crashed(h.jobs[0])
        try h.step()
        #expect(try h.state(h.jobs[0]) == .running, "retried at once")
        #expect(host.runs.map(\.attempt) == [1, 2])
        host.crashed(h.jobs[0])
        try h.step()
        #expect(try h.state(h.jobs[0]) == .failed)
        #expect(try h.attemptStatuses(h.jobs[0]) == ["failed", "failed"])
        #expect(host.runs.count == 2)
    }

    @Test func crashesOfDifferentJobsInARowQuarantineTheHostButReportedFailuresDoNot() throws {
        let bad = ScriptedTransport("bad", slots: 1)
        let good = ScriptedTransport("good", slots: 1)
        let h = try CoordinatorHarness(jobs: 6, transports: [bad, good]) { $0.maxAttempts = 1; $0.quarantineAfter = 2 }
        try h.startWithReady(bad)
        // Reported failures on "bad" do not count towards its quarantine.
        bad.failed(h.jobs[0], error: "diverged")
        try h.step()
        bad.failed(h.jobs[1], error: "diverged")
        try h.step()
        bad.crashed(h.jobs[2])
        try h.step()
        #expect(bad.runs.count == 4, "still trusted after two reported failures and one crash")
        bad.crashed(h.jobs[3])
        try h.step()
        #expect(bad.runs.count == 4, "quarantined after two crashes in a row")
        let problems = try h.store.hosts().filter { $0.name == "bad" }
        #expect(problems.first?.state == .quarantined)
        good.ready()
        try h.step()
        #expect(good.runs.map(\.job) == [h.jobs[4]], "the rest runs on the healthy host")
    }

    @Test func aSuccessResetsTheFailureStreak() throws {
        let host = ScriptedTransport("a", slots: 1)
        let h = try CoordinatorHarness(jobs: 4, transports: [host]) { $0.maxAttempts = 1; $0.quarantineAfter = 2 }
        try h.startWithReady(host)
        host.crashed(h.jobs[0])
        try h.step()
        host.done(h.jobs[1])
        try h.step()
        host.crashed(h.jobs[2])
        try h.step()
        #expect(host.runs.count == 4, "crash, ok, crash is no streak of two")
    }

    @Test func metricsAreBatchedAndWrittenByTheFlushTimer() throws {
        let host = ScriptedTransport("a", slots: 1)
        let h = try CoordinatorHarness(jobs: 1, transports: [host]) { $0.flushInterval = .milliseconds(250) }
        try h.startWithReady(host)
        host.metric(h.jobs[0], epoch: 1, ["loss": 1])
        try h.advance(.milliseconds(100))
        #expect(try h.store.metrics(of: h.jobs[0]).isEmpty, "buffered")
        try h.advance(.milliseconds(150))
        #expect(try h.store.metrics(of: h.jobs[0]).map(\.epoch) == [1], "written when the flush timer fires")
    }
}
