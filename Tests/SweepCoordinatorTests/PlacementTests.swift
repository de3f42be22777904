import SweepCoordinator
import SweepCore
import SweepStore
import Testing

/// What ran an attempt is `{kind, id, node}` whatever the host kind: the worker's own when it
/// says one (a scheduler's job), else its transport's kind; hosts and attempts record it.
@Suite struct PlacementTests {
    @Test func aWorkersPlacementGoesToItsHostAndEveryAttemptThere() throws {
        let queued = ScriptedTransport("q", slots: 1, readyLimit: .seconds(60), placementKind: "batch")
        let plain = ScriptedTransport("p", slots: 1, placementKind: "ssh")
        let h = try CoordinatorHarness(jobs: 2, transports: [queued, plain])
        try h.start()
        queued.waiting(job: "42")
        try h.step()
        #expect(try h.store.hosts().first { $0.name == "q" }?.placement == Placement(kind: "batch", id: "42"))
        queued.ready(placement: Placement(kind: "batch", id: "42", node: "n7"))
        plain.ready()
        try h.step()
        let hosts = Dictionary(uniqueKeysWithValues: try h.store.hosts().map { ($0.name, $0) })
        #expect(hosts["q"]?.placement == Placement(kind: "batch", id: "42", node: "n7"))
        #expect(hosts["q"]?.detail?.hasPrefix("batch job 42 running on node n7, 2 cores") == true, "\(String(describing: hosts["q"]))")
        #expect(hosts["p"]?.placement == Placement(kind: "ssh"), "no placement of its own: its transport's kind")
        #expect(hosts["p"]?.detail?.hasPrefix("p, 2 cores") == true)
        var placements: [String: Placement?] = [:]
        for job in h.jobs {
            for attempt in try h.store.attempts(of: job) { placements[attempt.host] = attempt.machine?.placement }
        }
        #expect(placements == ["q": Placement(kind: "batch", id: "42", node: "n7"), "p": Placement(kind: "ssh")])
    }
}
