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
    static func asha(grace: Int = 1, reduction: Int = 2, pause: Bool = false) -> (inout Coordinator.Options) -> Void {
        { options in
            options.stopping = EarlyStopping(objective: Objective(metric: "acc", mode: .max),
                                             settings: StopSettings(rule: .asha, grace: grace, reduction: reduction, pause: pause))
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

    /// Pausing ASHA, reduction 3, 2 epochs a job (one rung, at epoch 1), one slot: a, b, c
    /// pause (a and b with too few to compare; c below a); with three recorded, a is the top
    /// 1: promoted ahead of d, it runs again from its start and ends done. d pauses (a is the
    /// top 1 of 4); a job has run to its end, so b, c and d stay stopped.
    /// Four jobs of 2 epochs on one slot, pausing asha with reduction 3 (one rung, at epoch
    /// 1): a (0.8), b (0.3) and c (0.2) report the rung and pause in turn, each stop taken as
    /// the worker takes it; with three recorded, a is promoted.
    static func pauseThree(on host: ScriptedTransport) throws -> CoordinatorHarness {
        let harness = try CoordinatorHarness(jobs: 4, transports: [host], extra: ["epochs": 2],
                                             configure: Self.asha(reduction: 3, pause: true))
        try harness.startWithReady(host)
        for (job, value) in zip(harness.jobs, [0.8, 0.3, 0.2]) {
            host.metric(job, epoch: 1, ["acc": value])
            try harness.step()
            #expect(host.stops.last == job)
            host.cancelled(job)
            try harness.step()
        }
        return harness
    }

    @Test func aPausedJobIsPromotedAheadOfTheQueueAndRunsAgainFromItsStart() throws {
        let host = ScriptedTransport("h", slots: 1)
        let harness = try Self.pauseThree(on: host)
        let (a, b, c, d) = (harness.jobs[0], harness.jobs[1], harness.jobs[2], harness.jobs[3])
        #expect(host.runs.map(\.job) == [a, b, c, a], "a promoted ahead of d")
        #expect(try harness.state(a) == .running && harness.state(b) == .stopped)
        #expect(try harness.store.stopDecisions(of: harness.prepared.sweep.id)[a] == nil, "a resume must not stop it again")
        host.metric(a, epoch: 1, ["acc": 0.8])
        host.metric(a, epoch: 2, ["acc": 0.85])
        host.done(a)
        try harness.step()
        host.metric(d, epoch: 1, ["acc": 0.1])
        try harness.step()
        host.cancelled(d)
        try harness.step()
        #expect(harness.coordinator.isFinished)
        #expect(host.runs.map(\.job) == [a, b, c, a, d])
        #expect(try [a, b, c, d].map { try harness.state($0) } == [.done, .stopped, .stopped, .stopped])
        #expect(try harness.attemptStatuses(a) == ["cancelled", "ok"])
        #expect(host.stops == [a, b, c, d], "nothing stopped twice")
        let rows = try harness.store.metrics(of: a).filter { $0.name == "acc" }.map { [$0.attempt, $0.epoch] }
        #expect(rows == [[1, 1], [2, 1], [2, 2]], "the paused run's metrics kept under its attempt")
    }

    /// Two jobs both pause (too few at the rung); with nothing left to run, the better one is
    /// promoted, and at the next rung, alone, it goes on to its end instead of pausing.
    @Test func aFiniteGridEndsWithItsBestPausedJobRunToTheEnd() throws {
        let host = ScriptedTransport("h", slots: 2)
        let harness = try CoordinatorHarness(jobs: 2, transports: [host], extra: ["epochs": 4], configure: Self.asha(reduction: 3, pause: true))
        try harness.startWithReady(host)
        let (a, b) = (harness.jobs[0], harness.jobs[1])
        host.metric(a, epoch: 1, ["acc": 0.5])
        host.metric(b, epoch: 1, ["acc": 0.4])
        try harness.step()
        #expect(host.stops == [a, b])
        host.cancelled(a)
        host.cancelled(b)
        try harness.step()
        #expect(host.runs.map(\.job) == [a, b, a], "the better one runs again")
        host.metric(a, epoch: 1, ["acc": 0.5])
        host.metric(a, epoch: 3, ["acc": 0.6])
        host.metric(a, epoch: 4, ["acc": 0.7])
        host.done(a)
        try harness.step()
        #expect(host.stops == [a, b], "at the rung at epoch 3, alone, it went on")
        #expect(harness.coordinator.isFinished)
        #expect(try harness.state(a) == .done && harness.state(b) == .stopped)
    }

    /// A coordinator killed while a promoted job ran: the resumed one knows a was judged at
    /// its rung and promoted, so a's run there is not judged again (at 0.25 it would pause:
    /// b's 0.3 would be the top 1 of 3) and a is not promoted twice.
    @Test func aResumedPausingRuleNeitherStopsNorPromotesAJobTwice() throws {
        let first = ScriptedTransport("h", slots: 1)
        let harness = try Self.pauseThree(on: first)
        let (a, d) = (harness.jobs[0], harness.jobs[3])
        #expect(first.runs.map(\.job) == Array(harness.jobs.prefix(3)) + [a])
        first.closeConnection("gone")
        try harness.step()
        #expect(try harness.state(a) == .pending)

        let second = ScriptedTransport("h2", slots: 1)
        var options = Coordinator.Options()
        Self.asha(reduction: 3, pause: true)(&options)
        let resumed = Coordinator(store: harness.store, sweep: harness.prepared.sweep, transports: [second], events: EventQueue(),
                                  options: options, progress: ProgressLine(sweep: "t", style: .quiet, clock: harness.clock), clock: harness.clock)
        try resumed.start()
        second.ready()
        try resumed.runPending()
        #expect(second.runs.map(\.job) == [a])
        second.metric(a, epoch: 1, ["acc": 0.25])
        try resumed.runPending()
        #expect(second.stops.isEmpty, "a was judged at this rung before the resume")
        second.metric(a, epoch: 2, ["acc": 0.9])
        second.done(a)
        try resumed.runPending()
        second.metric(d, epoch: 1, ["acc": 0.1])
        try resumed.runPending()
        second.cancelled(d)
        try resumed.runPending()
        #expect(second.stops == [d])
        #expect(second.runs.map(\.job) == [a, d], "nothing promoted: a was already, b is second of 4")
        #expect(resumed.isFinished)
    }
}
