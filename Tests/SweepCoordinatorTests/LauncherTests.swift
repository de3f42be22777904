import Foundation
import SweepCoordinator
import SweepCore
import SweepRuntime
import SweepStore
import SweepTestSupport
import Testing
import SweepTransport

/// Launch orchestration without the command line: lock, register, requeue, run.
@Suite final class LauncherTests {
    let folder: TemporaryFolder
    var database: String { folder.file("sweep.sqlite") }

    init() throws {
        folder = try TemporaryFolder("sweep-launcher")
    }

    func plan(_ jobs: Int) -> Launcher.Plan {
        Launcher.Plan(name: "l", workload: "probe", specPath: "l.json", specText: "{}",
                      jobs: (0..<jobs).map { NewJob(key: "l-\($0)", workload: "probe", config: JobConfig(["value": .int($0), "seed": 0])) })
    }

    @Test func aSecondLaunchOnTheDatabaseIsRefusedWhileTheFirstHoldsIt() throws {
        var first: Launcher.Prepared? = try Launcher(databasePath: database, options: .init()).prepare(plan(2))
        #expect(first?.before.pending == 2)
        #expect(throws: (any Error).self) { try Launcher(databasePath: database, options: .init()).prepare(plan(2)) }
        first = nil
        let again = try Launcher(databasePath: database, options: .init()).prepare(plan(2))
        #expect(again.registration.added == 0 && again.registration.reused == 2)
    }

    /// Jobs a killed coordinator left running are re-queued on the next launch; those the
    /// new spec dropped are not counted as re-queued (they do not run in this sweep).
    @Test func theRequeuedCountLeavesOutJobsTheNewSpecDropped() throws {
        var first: Launcher.Prepared? = try Launcher(databasePath: database, options: .init()).prepare(plan(4))
        for job in try first!.store.jobs(of: first!.sweep.id) {
            _ = try first!.store.startAttempt(job: job.id, host: "a", machine: nil)
        }
        first = nil
        let again = try Launcher(databasePath: database, options: .init()).prepare(plan(2))
        #expect(again.registration.difference.dropped == 2)
        #expect(again.registration.recovered == 2, "only the 2 jobs still in the sweep run again")
        #expect(again.before.pending == 2)
    }

    @Test func runEndsTheJobsAndRetryRequeuesTheFailedOnes() throws {
        let host = ScriptedTransport("a", slots: 2)
        var prepared: Launcher.Prepared? = try Launcher(databasePath: database, options: .init()).prepare(plan(2))
        let jobs = try prepared!.store.jobs(of: prepared!.sweep.id).map(\.id)
        // The scripted worker answers from another thread, as a real one would.
        let worker = Thread {
            while host.starts == 0 { Thread.sleep(forTimeInterval: 0.001) }
            host.ready()
            while host.runs.count < 2 { Thread.sleep(forTimeInterval: 0.001) }
            host.done(jobs[0])
            host.failed(jobs[1], error: "bad config")
        }
        worker.start()
        let outcome = try prepared!.run(on: [host], events: EventQueue(), progress: ProgressLine(sweep: "l", style: .quiet))
        #expect(outcome.counts.done == 1 && outcome.counts.failed == 1 && !outcome.interrupted)
        #expect(try prepared!.failedJobs(limit: 10).jobs.map(\.error) == ["bad config"])
        prepared = nil

        var retry = Launcher(databasePath: database, options: .init())
        retry.requeueFailed = true
        let again = try retry.prepare(plan(2))
        #expect(again.requeued == 1)
        #expect(again.before.pending == 1 && again.before.done == 1)
    }
}
