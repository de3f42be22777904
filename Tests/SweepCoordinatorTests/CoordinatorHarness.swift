import Foundation
import SweepCoordinator
import SweepCore
import SweepRuntime
import SweepStore
import SweepTestSupport
import SweepTransport

/// A coordinator over a real SQLite store in a temp directory, scripted transports and a
/// manual clock: each step is `step()` (handle what was posted, fire due timers, assign).
final class CoordinatorHarness {
    let folder: TemporaryFolder
    var directory: URL { folder.url }
    let prepared: Launcher.Prepared
    let clock = ManualClock()
    let events = EventQueue()
    let coordinator: Coordinator
    /// Job ids in plan order.
    let jobs: [Int64]

    var store: StoreWriter { prepared.store }

    /// - Parameters:
    ///   - seeds: the jobs are one configuration's seeds (else each its own configuration).
    ///   - extra: more config for every job (`["epochs": 3]`).
    init(jobs count: Int, transports: [ScriptedTransport], seeds: Bool = false, extra: [String: JSONValue] = [:],
         configure: (inout Coordinator.Options) -> Void = { _ in }) throws {
        folder = try TemporaryFolder("sweep-coordinator")
        var options = Coordinator.Options()
        configure(&options)
        let plan = Launcher.Plan(
            name: "t", workload: "probe", specPath: "t.json", specText: "{}",
            jobs: (0..<count).map {
                let base: [String: JSONValue] = seeds ? ["value": 0, "seed": .int($0)] : ["value": .int($0), "seed": 0]
                return NewJob(key: "job-\($0)", workload: "probe", config: JobConfig(base.merging(extra) { $1 }))
            })
        prepared = try Launcher(databasePath: folder.file("sweep.sqlite"), options: options).prepare(plan)
        self.jobs = try prepared.store.jobs(of: prepared.sweep.id).map(\.id)
        coordinator = Coordinator(store: prepared.store, sweep: prepared.sweep, transports: transports, events: events,
                                  options: options, progress: ProgressLine(sweep: "t", style: .quiet, clock: clock), clock: clock)
    }

    func start() throws { try coordinator.start() }

    /// Starts, lets `hosts` say they are ready, and hands out the first jobs.
    func startWithReady(_ hosts: ScriptedTransport...) throws {
        try coordinator.start()
        for host in hosts { host.ready() }
        try step()
    }

    func step() throws { try coordinator.runPending() }

    /// Moves time on, then steps.
    func advance(_ duration: Duration) throws {
        clock.advance(by: duration)
        try step()
    }

    func state(_ job: Int64) throws -> JobState? {
        try store.jobs(of: prepared.sweep.id).first { $0.id == job }?.state
    }

    func attemptStatuses(_ job: Int64) throws -> [String] {
        try store.attempts(of: job).map(\.status.rawValue)
    }

    var counts: StateCounts { get throws { try store.counts(of: prepared.sweep.id) } }
}
