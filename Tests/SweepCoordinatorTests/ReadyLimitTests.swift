import SweepCoordinator
import SweepCore
import SweepStore
import Testing

/// A worker that waits in a scheduler's queue (a Slurm job) is not silent: it has its
/// transport's ready limit instead of the heartbeat grace, and the grace once it is ready.
@Suite struct ReadyLimitTests {
    @Test func aQueuedWorkerIsKeptWithinItsReadyLimitAndGivenUpPastIt() throws {
        let a = ScriptedTransport("a", slots: 1, readyLimit: .seconds(60))
        let b = ScriptedTransport("b", slots: 1)
        let h = try CoordinatorHarness(jobs: 2, transports: [a, b]) { $0.hostGrace = .seconds(10) }
        try h.start()
        b.ready()
        a.waiting(job: "42")
        try h.step()
        var host = try #require(try h.store.hosts().first { $0.name == "a" })
        #expect(host.state == .pending && host.placement == Placement(kind: "local", id: "42"), "\(host)")
        for _ in 0..<6 {
            b.heartbeat()
            try h.advance(.seconds(10))
        }
        #expect(a.aborts == 0, "60 s in the queue, far past the 10 s grace, is within the limit")
        b.heartbeat()
        try h.advance(.seconds(1))
        #expect(a.aborts == 1, "past the limit its job is cancelled")
        host = try #require(try h.store.hosts().first { $0.name == "a" })
        #expect(host.state == .unusable && host.detail?.contains("still queued") == true, "\(host)")
        #expect(b.aborts == 0)
        b.heartbeat()
        try h.advance(.seconds(10))
        #expect(a.starts == 1, "given up for the sweep, not asked for again")
    }

    @Test func onceReadyAQueuedWorkerHasTheGraceAndIsReplacedWhenLost() throws {
        let a = ScriptedTransport("a", slots: 1, readyLimit: .seconds(60))
        let h = try CoordinatorHarness(jobs: 1, transports: [a]) { $0.hostGrace = .seconds(10) }
        try h.start()
        a.waiting(job: "7")
        try h.advance(.seconds(50))
        a.ready()
        try h.step()
        #expect(a.runs.count == 1)
        #expect(try h.store.hosts().first { $0.name == "a" }?.state == .up)
        try h.advance(.seconds(11))
        #expect(a.aborts == 1, "silent past the grace after its ready: lost")
        #expect(try h.attemptStatuses(h.jobs[0]) == ["lost"])
        a.closeConnection("srun: Job step aborted")
        try h.advance(.seconds(1))
        #expect(a.starts == 2, "a replacement is asked for")
    }
}
