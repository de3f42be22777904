import SweepCore
import SweepCoordinator
import SweepRuntime
import SweepStore
import SweepTransport
import SweepWire
import Testing

/// Heartbeat grace, host loss, reconnect backoff and permanent host failures.
@Suite struct HostHealthTests {
    @Test func aHostSilentPastTheGraceIsLostItsWorkerKilledAndItsJobsRunElsewhere() throws {
        let a = ScriptedTransport("a", slots: 1)
        let b = ScriptedTransport("b", slots: 1)
        let h = try CoordinatorHarness(jobs: 2, transports: [a, b]) { $0.hostGrace = .seconds(30) }
        try h.startWithReady(a, b)
        let onA = a.runs[0].job
        try h.advance(.seconds(20))
        b.heartbeat()
        try h.advance(.seconds(10))
        #expect(a.aborts == 0, "exactly at the grace is not past it")
        b.heartbeat()
        try h.advance(.milliseconds(1))
        #expect(a.aborts == 1, "a hung worker is killed")
        #expect(b.aborts == 0, "the host that kept talking stays")
        #expect(try h.attemptStatuses(onA) == ["lost"])
        #expect(try h.state(onA) == .pending)
        b.done(b.runs[0].job)
        try h.step()
        #expect(b.runs.map(\.job).last == onA, "the lost job runs on the other host")
        #expect(b.attempt(of: onA) == 2)
    }

    @Test func heartbeatsKeepAHostAlive() throws {
        let a = ScriptedTransport("a", slots: 1)
        let h = try CoordinatorHarness(jobs: 1, transports: [a]) { $0.hostGrace = .seconds(30) }
        try h.startWithReady(a)
        for _ in 0..<10 {
            try h.advance(.seconds(25))
            a.heartbeat()
            try h.step()
        }
        #expect(a.aborts == 0)
        #expect(try h.state(h.jobs[0]) == .running)
    }

    @Test func aLostAttemptDoesNotCountAsAFailure() throws {
        let a = ScriptedTransport("a", slots: 1)
        let h = try CoordinatorHarness(jobs: 1, transports: [a]) { $0.maxAttempts = 1 }
        try h.startWithReady(a)
        a.closeConnection("connection reset")
        try h.step()
        try h.advance(.seconds(1))
        a.ready()
        try h.step()
        #expect(a.runs.map(\.attempt) == [1, 2], "run again although max-attempts is 1")
        a.done(h.jobs[0])
        try h.step()
        #expect(try h.attemptStatuses(h.jobs[0]) == ["lost", "ok"])
    }

    /// A Slurm worker ended at its `--time` is not a lost host: each reconnection resets the
    /// host's reconnect count, so re-queueing the job uncounted ran it forever.
    @Test func aWorkerEndedByItsTimeLimitFailsItsJobsAfterMaxAttemptsAndIsReconnected() throws {
        let a = ScriptedTransport("a", slots: 1)
        let h = try CoordinatorHarness(jobs: 1, transports: [a]) { $0.maxAttempts = 2 }
        try h.startWithReady(a)
        let job = h.jobs[0]
        for round in 1...2 {
            for _ in 0..<7 {
                a.heartbeat()
                try h.advance(.seconds(10))
            }
            a.closeConnection("c.1 exited with status 143: *** STEP 4.0 ON vm CANCELLED DUE TO TIME LIMIT ***",
                              failure: .timeLimit(seconds: 60, fix: "raise --time=1 in slurm_args"))
            try h.step()
            #expect(try h.attemptStatuses(job) == Array(repeating: "failed", count: round), "counted, not lost")
            if round == 1 {
                #expect(try h.state(job) == .pending, "retried: one attempt of two")
                try h.advance(.seconds(1))
                #expect(a.starts == 2, "the host itself is fine: reconnected")
                a.ready()
                try h.step()
                #expect(a.attempt(of: job) == 2)
            }
        }
        #expect(try h.state(job) == .failed)
        #expect(h.coordinator.isFinished)
        let error = try #require(try h.store.jobs(of: h.prepared.sweep.id).first?.error)
        #expect(error.contains("outlasts the time limit of host a's worker: ran 01:10, limit 01:00; raise --time=1"), "\(error)")
    }

    /// In a mixed sweep the local worker may finish every job while a host is still being
    /// set up; that host's permanent failure (a full disk) was never reported.
    @Test func aHostThatFailsForGoodAsTheSweepEndsIsStillReported() throws {
        let a = ScriptedTransport("a", slots: 1)
        let b = ScriptedTransport("b", slots: 1)
        let h = try CoordinatorHarness(jobs: 1, transports: [a, b])
        try h.startWithReady(a)
        a.done(h.jobs[0])
        try h.step()
        #expect(h.coordinator.isFinished)
        b.closeConnection("has no space left on b (needs 37 MB in ~/.cache/sweep/bin)", failure: .permanent)
        let outcome = try h.coordinator.finish()
        #expect(outcome.hostProblems.contains { $0.hasPrefix("host b unusable: has no space left on b") }, "\(outcome.hostProblems)")
    }

    @Test func theSummarySaysHowOftenAHostWasReconnected() throws {
        let a = ScriptedTransport("a", slots: 1)
        let h = try CoordinatorHarness(jobs: 1, transports: [a])
        try h.startWithReady(a)
        for _ in 0..<2 {
            a.closeConnection("connection reset")
            try h.step()
            try h.advance(.seconds(2))
            a.ready()
            try h.step()
        }
        #expect(a.attempt(of: h.jobs[0]) == 3)
        a.done(h.jobs[0])
        try h.step()
        let outcome = try h.coordinator.finish()
        #expect(outcome.hostProblems.last == "host a: reconnected 2 times", "\(outcome.hostProblems)")
    }

    @Test func lateMessagesOfALostAttemptAreIgnored() throws {
        let a = ScriptedTransport("a", slots: 1)
        let b = ScriptedTransport("b", slots: 1)
        let h = try CoordinatorHarness(jobs: 1, transports: [a, b]) { $0.hostGrace = .seconds(10) }
        try h.startWithReady(a, b)
        try h.advance(.seconds(6))
        b.heartbeat()
        try h.advance(.seconds(5))
        #expect(b.attempt(of: h.jobs[0]) == 2, "a is lost; b takes the job")
        // The hung worker on a wakes up and reports its old attempt.
        a.metric(h.jobs[0], epoch: 1, ["loss": 1], attempt: 1)
        a.done(h.jobs[0], attempt: 1)
        b.metric(h.jobs[0], epoch: 1, ["loss": 2], attempt: 2)
        try h.step()
        #expect(try h.state(h.jobs[0]) == .running, "a's late result does not finish the job")
        b.done(h.jobs[0], attempt: 2)
        try h.step()
        #expect(try h.store.metrics(of: h.jobs[0]).map(\.value) == [2])
        #expect(try h.attemptStatuses(h.jobs[0]) == ["lost", "ok"])
    }

    @Test func aClosedHostIsReconnectedWithGrowingBackoff() throws {
        let a = ScriptedTransport("a", slots: 1)
        let h = try CoordinatorHarness(jobs: 1, transports: [a]) { $0.reconnects = 3; $0.maxBackoff = .seconds(3) }
        try h.start()
        #expect(a.starts == 1)
        // 1 s, 2 s, then 3 s: capped at maxBackoff (not 4 s).
        for (tries, wait) in [Duration.seconds(1), .seconds(2), .seconds(3)].enumerated() {
            a.closeConnection("connection refused")
            try h.step()
            try h.advance(wait - .milliseconds(1))
            #expect(a.starts == tries + 1, "not before \(wait)")
            try h.advance(.milliseconds(1))
            #expect(a.starts == tries + 2, "reconnected after \(wait)")
        }
        a.closeConnection("connection refused")
        try h.step()
        try h.advance(.seconds(60))
        #expect(a.starts == 4, "given up after `reconnects` tries")
        #expect(h.coordinator.isFinished, "no host can run the queue any more")
        #expect(try h.counts.pending == 1)
    }

    @Test func aHostThatWillNotStartIsRetriedToo() throws {
        let a = ScriptedTransport("a", slots: 1)
        a.refuseStarts("cannot spawn")
        let h = try CoordinatorHarness(jobs: 1, transports: [a])
        try h.start()
        a.refuseStarts(nil)
        try h.advance(.seconds(1))
        #expect(a.starts == 2)
        a.ready()
        try h.step()
        #expect(a.runs.count == 1)
    }

    @Test func aPermanentFailureDropsTheHostAtOnceReportedOnceAndNeverReconnected() throws {
        let a = ScriptedTransport("a", slots: 1)
        let b = ScriptedTransport("b", slots: 2)
        let h = try CoordinatorHarness(jobs: 2, transports: [a, b])
        try h.startWithReady(a)
        let onA = a.runs[0].job
        a.closeConnection("host key changed; run ssh-keygen -R a", failure: .permanent)
        try h.step()
        #expect(try h.attemptStatuses(onA) == ["lost"], "its running job goes back to the queue")
        try h.advance(.seconds(20))
        #expect(a.starts == 1, "never reconnected (the first backoff would be 1 s)")
        b.ready()
        try h.step()
        #expect(b.runs.map(\.job) == h.jobs, "both jobs run on the other host")
        b.done(h.jobs[0])
        b.done(h.jobs[1])
        try h.step()
        let outcome = try h.coordinator.finish()
        let aboutA = outcome.hostProblems.filter { $0.hasPrefix("host a ") }
        #expect(aboutA.count == 1, "\(outcome.hostProblems)")
        #expect(aboutA.first?.contains("ssh-keygen -R a") == true)
        #expect(aboutA.first?.contains("unusable") == true)
        #expect(outcome.counts.done == 2)
    }

    @Test func aPermanentFailureWhileWaitingToReconnectStopsTheWait() throws {
        let a = ScriptedTransport("a", slots: 1)
        let h = try CoordinatorHarness(jobs: 1, transports: [a]) { $0.hostGrace = .seconds(10) }
        try h.startWithReady(a)
        try h.advance(.seconds(11))
        #expect(a.aborts == 1)
        // The killed connection's end says the host cannot work.
        a.closeConnection("authentication refused", failure: .permanent)
        try h.step()
        try h.advance(.seconds(60))
        #expect(a.starts == 1)
        #expect(h.coordinator.isFinished)
    }

    @Test func withOnlyAPermanentlyFailedHostTheRunEndsWithTheJobsPending() throws {
        let a = ScriptedTransport("a", slots: 1)
        let h = try CoordinatorHarness(jobs: 3, transports: [a])
        try h.start()
        a.closeConnection("the Swift runtime is missing", failure: .permanent)
        try h.step()
        #expect(h.coordinator.isFinished)
        let outcome = try h.coordinator.finish()
        #expect(outcome.counts.pending == 3)
        #expect(outcome.hostProblems.count == 1)
    }

    @Test func theLoopSleepsUntilItsEarliestTimer() throws {
        let a = ScriptedTransport("a", slots: 1)
        let h = try CoordinatorHarness(jobs: 2, transports: [a]) {
            $0.hostGrace = .seconds(30)
            $0.progressInterval = .seconds(3600)
        }
        try h.startWithReady(a)
        #expect(h.coordinator.nextDeadline == .seconds(30), "the host's grace")
        try h.advance(.seconds(5))
        a.heartbeat()
        try h.step()
        #expect(h.coordinator.nextDeadline == .seconds(35), "a message moves the grace on")
        a.closeConnection("connection reset")
        try h.step()
        #expect(h.coordinator.nextDeadline == h.clock.now + .seconds(1), "the reconnect backoff")
    }
}
