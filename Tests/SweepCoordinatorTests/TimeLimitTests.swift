import SweepCoordinator
import SweepCore
import SweepStore
import SweepTransport
import SweepWire
import Testing

/// A worker with a time limit (a Slurm job's `--time`) between jobs: a sweep whose jobs fit
/// the limit must not lose a job's attempt to a worker that simply ran out of time.
@Suite struct TimeLimitTests {
    /// Jobs of one configuration take 20 s; the worker may run 60 s. At 40 s it has 20 s
    /// left, less than a job is expected to take (20 s, plus the margin): it gets no third
    /// job, is ended and requested again, and the fresh worker runs it. No attempt fails.
    @Test func aWorkerNearItsTimeLimitTakesNoJobItWouldNotFinish() throws {
        let a = ScriptedTransport("a", slots: 1, timeLimit: .seconds(60))
        let h = try CoordinatorHarness(jobs: 3, transports: [a], seeds: true) { $0.maxAttempts = 1 }
        try h.startWithReady(a)
        for job in h.jobs.prefix(2) {
            #expect(a.runs.last?.job == job)
            a.heartbeat()
            try h.advance(.seconds(20))
            a.done(job)
            try h.step()
        }
        #expect(a.runs.map(\.job) == Array(h.jobs.prefix(2)), "no third job for 20 s left")
        #expect(a.closes == 1, "ended, to be replaced")
        a.closeConnection("the worker's input closed")
        try h.step()
        #expect(a.starts == 2, "requested again at once: nothing failed")
        a.ready()
        try h.step()
        #expect(a.runs.map(\.job) == h.jobs)
        a.done(h.jobs[2])
        try h.step()
        #expect(h.coordinator.isFinished)
        for job in h.jobs { #expect(try h.attemptStatuses(job) == ["ok"]) }
        #expect(try h.store.hosts().first { $0.name == "a" }?.state == .up)
    }

    /// A fresh worker takes a job whatever its expected run, and a job expected to outlast even
    /// a fresh worker still goes (to fail with the limit named): neither can end in a loop of
    /// replacements.
    @Test func aJobLongerThanTheLimitIsNotKeptFromAWorker() throws {
        let a = ScriptedTransport("a", slots: 1, timeLimit: .seconds(60))
        let h = try CoordinatorHarness(jobs: 3, transports: [a], seeds: true)
        try h.startWithReady(a)
        // 70 s: it ended after the limit (Slurm enforces it late); now known to be longer than a worker's whole time.
        for _ in 0..<7 {
            a.heartbeat()
            try h.advance(.seconds(10))
        }
        a.done(h.jobs[0])
        try h.step()
        #expect(a.runs.map(\.job) == Array(h.jobs.prefix(2)), "the next job goes anyway")
        #expect(a.closes == 0)
    }

    /// No expected run known (each job its own configuration): the worker takes the job late in
    /// its time and meets its limit. The attempt is lost, not failed, and the job runs again on
    /// the fresh worker, although `--max-attempts` is 1. A job that had the worker's whole time
    /// still counts (HostHealthTests).
    @Test func aJobStartedLateWhenItsWorkerMeetsItsLimitRunsAgainUncounted() throws {
        let a = ScriptedTransport("a", slots: 1, timeLimit: .seconds(60))
        let h = try CoordinatorHarness(jobs: 2, transports: [a]) { $0.maxAttempts = 1 }
        try h.startWithReady(a)
        for _ in 0..<5 {
            a.heartbeat()
            try h.advance(.seconds(10))
        }
        a.done(h.jobs[0])
        try h.step()
        #expect(a.runs.last?.job == h.jobs[1], "unknown run: it goes")
        try h.advance(.seconds(12))
        a.closeConnection("c.1 exited with status 143: *** STEP 4.0 ON vm CANCELLED DUE TO TIME LIMIT ***",
                          failure: .timeLimit(seconds: 60, fix: "raise --time=1 in slurm_args"))
        try h.step()
        #expect(try h.attemptStatuses(h.jobs[1]) == ["lost"])
        #expect(try h.state(h.jobs[1]) == .pending)
        let attempt = try #require(try h.store.attempts(of: h.jobs[1]).first)
        #expect(attempt.error?.contains("after this job had run 00:12, started 00:50 into the worker's time") == true,
                "\(attempt.error ?? "")")
        try h.advance(.seconds(1))
        #expect(a.starts == 2)
        a.ready()
        try h.step()
        a.done(h.jobs[1])
        try h.step()
        #expect(try h.attemptStatuses(h.jobs[1]) == ["lost", "ok"])
        #expect(h.coordinator.isFinished)
        #expect(try h.counts.failed == 0)
    }
}
