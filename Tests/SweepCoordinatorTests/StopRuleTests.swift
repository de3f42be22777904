import SweepCoordinator
import SweepCore
import SweepStore
import SweepTransport
import SweepWire
import Testing

/// The coordinator applies the sweep's stop rule: it sends `stop`, records the job as
/// `stopped` with the rule's reason however the worker ends it, and a resumed coordinator
/// starts from the finished jobs' curves.
@Suite struct StopRuleTests {
    static func asha(grace: Int = 1, reduction: Int = 2) -> (inout Coordinator.Options) -> Void {
        { options in
            options.stopping = EarlyStopping(objective: Objective(metric: "acc", mode: .max),
                                             settings: StopSettings(rule: .asha, grace: grace, reduction: reduction))
        }
    }

    @Test func aJobBelowTheRungsCutoffIsStoppedWithItsReasonAndTheOthersRunOn() throws {
        let host = ScriptedTransport("h", slots: 3)
        let harness = try CoordinatorHarness(jobs: 3, transports: [host], configure: Self.asha())
        try harness.startWithReady(host)
        let (a, b, c) = (harness.jobs[0], harness.jobs[1], harness.jobs[2])
        host.metric(a, epoch: 1, ["acc": 0.9])
        host.metric(b, epoch: 1, ["acc": 0.2])
        host.metric(c, epoch: 1, ["acc": 0.95])
        try harness.step()
        #expect(host.stops == [b])
        // The worker's SIGTERM ended it (cancelled); the job is stopped, not cancelled or retried.
        host.cancelled(b)
        host.metric(a, epoch: 2, ["acc": 0.91])
        host.done(a)
        host.done(c)
        try harness.step()
        #expect(try harness.state(b) == .stopped)
        #expect(try harness.state(a) == .done && harness.state(c) == .done)
        let stopped = try #require(try harness.store.jobs(of: harness.prepared.sweep.id).first { $0.id == b })
        #expect(stopped.error?.hasPrefix("stopped at epoch 1 by asha: acc 0.2000 below the rung's cutoff 0.9000") == true, "\(stopped.error ?? "")")
        #expect(try harness.counts.stopped == 1)
        #expect(host.runs.filter { $0.job == b }.count == 1, "a stopped job is never run again")
        #expect(try harness.store.metrics(of: b).map(\.epoch) == [1], "its metrics stay")
    }

    @Test func aJobThatFinishesBeforeTheStopArrivesIsDone() throws {
        let host = ScriptedTransport("h", slots: 2)
        let harness = try CoordinatorHarness(jobs: 2, transports: [host], configure: Self.asha())
        try harness.startWithReady(host)
        host.metric(harness.jobs[0], epoch: 1, ["acc": 0.9])
        host.metric(harness.jobs[1], epoch: 1, ["acc": 0.1])
        host.done(harness.jobs[1])
        host.done(harness.jobs[0])
        try harness.step()
        #expect(host.stops == [harness.jobs[1]])
        #expect(try harness.state(harness.jobs[1]) == .done)
    }

    /// A program faster than the stop reports its last epoch before the SIGTERM lands; the
    /// worker says stopped, but it ran to the end: done. One that did not get there is stopped.
    @Test func aStoppedJobThatReportedItsLastEpochFirstIsDone() throws {
        let host = ScriptedTransport("h", slots: 3)
        let harness = try CoordinatorHarness(jobs: 3, transports: [host], extra: ["epochs": 3], configure: Self.asha())
        try harness.startWithReady(host)
        let (a, b, c) = (harness.jobs[0], harness.jobs[1], harness.jobs[2])
        host.metric(a, epoch: 1, ["acc": 0.9])
        host.metric(b, epoch: 1, ["acc": 0.1])
        host.metric(c, epoch: 1, ["acc": 0.2])
        try harness.step()
        #expect(host.stops == [b, c])
        // b had printed everything already; c had not.
        host.metric(b, epoch: 2, ["acc": 0.15])
        host.metric(b, epoch: 3, ["acc": 0.18])
        host.metric(c, epoch: 2, ["acc": 0.25])
        host.cancelled(b)
        host.cancelled(c)
        try harness.step()
        #expect(try harness.state(b) == .done)
        #expect(try harness.state(c) == .stopped)
        #expect(try harness.store.stopDecisions(of: harness.prepared.sweep.id).keys.sorted() == [c])
    }

    @Test func aStoppedJobsHostGoingAwayLeavesItStoppedNotRequeued() throws {
        let host = ScriptedTransport("h", slots: 2)
        let harness = try CoordinatorHarness(jobs: 2, transports: [host], configure: Self.asha())
        try harness.startWithReady(host)
        host.metric(harness.jobs[0], epoch: 1, ["acc": 0.9])
        host.metric(harness.jobs[1], epoch: 1, ["acc": 0.1])
        try harness.step()
        host.closeConnection("gone")
        try harness.step()
        #expect(try harness.state(harness.jobs[1]) == .stopped)
        #expect(try harness.state(harness.jobs[0]) == .pending)
    }

    @Test func aResumedCoordinatorStartsFromTheFinishedJobsCurves() throws {
        let first = ScriptedTransport("h", slots: 1)
        let harness = try CoordinatorHarness(jobs: 2, transports: [first], configure: Self.asha())
        try harness.startWithReady(first)
        let (a, b) = (harness.jobs[0], harness.jobs[1])
        first.metric(a, epoch: 1, ["acc": 0.9])
        first.done(a)
        try harness.step()
        #expect(try harness.state(a) == .done)
        // The first coordinator's host goes before b reports anything: b waits for a resume.
        first.closeConnection("gone")
        try harness.step()
        #expect(try harness.state(b) == .pending)

        // Another coordinator on the same store (a resume): job b is measured against a's 0.9,
        // which it only knows from the store.
        let second = ScriptedTransport("h2", slots: 1)
        var options = Coordinator.Options()
        Self.asha()(&options)
        let events = EventQueue()
        let resumed = Coordinator(store: harness.store, sweep: harness.prepared.sweep, transports: [second], events: events,
                                  options: options, progress: ProgressLine(sweep: "t", style: .quiet, clock: harness.clock), clock: harness.clock)
        try resumed.start()
        second.ready()
        try resumed.runPending()
        let attempt = try #require(second.attempt(of: b), "job b was handed out")
        second.metric(b, epoch: 1, ["acc": 0.1], attempt: attempt)
        try resumed.runPending()
        #expect(second.stops == [b], "the rule rebuilt from the store stops b at the first rung")
    }
}
