import Foundation
import SweepCore
import SweepStore
import Testing

/// Faults injected into real sweeps on the local worker: every job still ends done
/// exactly once (or failed with its reason), metric rows stay unique, nothing is left over.
@Suite(.serialized) struct FaultTests {
    /// Pids of tagged processes running `sweep job --stdio` (job runners) or `sweep worker`.
    func processes(_ sandbox: SweepSandbox, running command: String) -> [Int32] {
        sandbox.leftoverProcesses().filter { pid in
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            let argv = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            return argv.count > 1 && argv[1] == command
        }
    }

    func counts(_ sandbox: SweepSandbox, _ sweep: String) -> StateCounts? {
        guard let store = try? StoreReader(path: sandbox.database),
              let info = try? store.sweep(named: sweep) else { return nil }
        return try? store.counts(of: info.id)
    }

    @Test func killingAJobProcessRetriesItsJob() throws {
        let sandbox = try SweepSandbox()
        try sandbox.write("k.json", """
            {"name": "k", "workload": "probe", "base": {"epochs": 5, "sleep_ms": 80}, "grid": {"value": [1, 2, 3, 4]}}
            """)
        let launch = try sandbox.start(["launch", "k.json", "--local-slots", "2"])
        var runners: [Int32] = []
        #expect(sandbox.waitUntil(timeout: 60) {
            runners = processes(sandbox, running: "job")
            return (counts(sandbox, "k")?.running ?? 0) > 0 && !runners.isEmpty
        })
        kill(runners[0], SIGKILL)
        launch.wait(timeout: 60)
        #expect(launch.status == 0, "\(launch.stdout)\n\(launch.stderr)")
        try expectProbeSweepComplete(database: sandbox.database, sweep: "k", jobs: 4, epochs: 5)
        let store = try StoreReader(path: sandbox.database)
        let statuses = try store.jobs(of: try #require(try store.sweep(named: "k")).id).flatMap { try store.attempts(of: $0.id).map(\.status) }
        #expect(statuses.filter { $0 == .failed }.count == 1, "\(statuses)")
        #expect(sandbox.waitForNoLeftovers().isEmpty)
    }

    @Test func killingTheWorkerLosesItsJobsAndTheHostIsReconnected() throws {
        let sandbox = try SweepSandbox()
        try sandbox.write("w.json", """
            {"name": "w", "workload": "probe", "base": {"epochs": 4, "sleep_ms": 80}, "grid": {"value": [1, 2, 3, 4, 5, 6]}}
            """)
        let launch = try sandbox.start(["launch", "w.json", "--local-slots", "2"])
        var workers: [Int32] = []
        #expect(sandbox.waitUntil(timeout: 60) {
            workers = processes(sandbox, running: "worker")
            return (counts(sandbox, "w")?.running ?? 0) == 2 && workers.count == 1
        })
        kill(workers[0], SIGKILL)
        launch.wait(timeout: 90)
        #expect(launch.status == 0, "\(launch.stdout)\n\(launch.stderr)")
        #expect(launch.stderr.contains("reconnecting host local"))
        #expect(launch.stdout.contains("host local: reconnected 1 time"), "\(launch.stdout)")
        try expectProbeSweepComplete(database: sandbox.database, sweep: "w", jobs: 6, epochs: 4)
        let store = try StoreReader(path: sandbox.database)
        let statuses = try store.jobs(of: try #require(try store.sweep(named: "w")).id).flatMap { try store.attempts(of: $0.id).map(\.status) }
        #expect(statuses.filter { $0 == .lost }.count == 2, "\(statuses)")
        #expect(sandbox.waitForNoLeftovers().isEmpty)
    }

    @Test func aWorkerThatStopsSendingHeartbeatsIsLostKilledAndReplaced() throws {
        let sandbox = try SweepSandbox()
        try sandbox.write("h.json", """
            {"name": "h", "workload": "probe", "base": {"epochs": 3, "sleep_ms": 200}, "grid": {"value": [1, 2, 3, 4]}}
            """)
        let launch = try sandbox.start(["launch", "h.json", "--local-slots", "2", "--host-grace", "5"])
        var workers: [Int32] = []
        #expect(sandbox.waitUntil(timeout: 60) {
            workers = processes(sandbox, running: "worker")
            return (counts(sandbox, "h")?.running ?? 0) == 2 && workers.count == 1
        })
        // A frozen worker: its pipes stay open, it just says nothing.
        kill(workers[0], SIGSTOP)
        launch.wait(timeout: 90)
        #expect(launch.status == 0, "\(launch.stdout)\n\(launch.stderr)")
        #expect(launch.stderr.contains("host local lost: no message for 5 s"), "\(launch.stderr)")
        try expectProbeSweepComplete(database: sandbox.database, sweep: "h", jobs: 4, epochs: 3)
        #expect(sandbox.waitForNoLeftovers().isEmpty)
    }

    @Test func retryFailedRunsFailedJobsAgain() throws {
        let sandbox = try SweepSandbox()
        let marker = sandbox.directory.appendingPathComponent("data.bin").path
        try sandbox.write("r.json", """
            {"name": "r", "workload": "probe", "base": {"epochs": 2, "data_file": "\(marker)"}, "grid": {"value": [1, 2]}}
            """)
        // The data file is missing, so both jobs fail; once it exists, a retry succeeds.
        #expect(try sandbox.run(["launch", "r.json", "--max-attempts", "1"]).status == 1)
        #expect(counts(sandbox, "r")?.failed == 2)
        #expect(try sandbox.run(["retry", "r"]).status == 64, "retry says what to retry")
        try Data("x".utf8).write(to: URL(fileURLWithPath: marker))
        let retry = try sandbox.run(["retry", "r", "--failed"])
        #expect(retry.status == 0, "\(retry.stdout)\n\(retry.stderr)")
        #expect(retry.stdout.contains("re-queued 2 failed jobs"))
        try expectProbeSweepComplete(database: sandbox.database, sweep: "r", jobs: 2, epochs: 2)
    }

    @Test func aHungJobIsKilledAtItsTimeout() throws {
        let sandbox = try SweepSandbox()
        try sandbox.write("t.json", """
            {"name": "t", "workload": "probe", "include": [{"epochs": 1}, {"epochs": 1, "sleep_ms": 600000}]}
            """)
        // The run's limit is the hang guard, far below the job's 10 minutes.
        let run = try sandbox.run(["launch", "t.json", "--timeout", "1.5", "--max-attempts", "1"], timeout: 120)
        #expect(run.status == 1)
        let store = try StoreReader(path: sandbox.database)
        let jobs = try store.jobs(of: try #require(try store.sweep(named: "t")).id)
        #expect(jobs.map(\.state) == [.done, .failed])
        #expect(jobs[1].error?.contains("timed out after 1.5 s") == true)
        #expect(sandbox.waitForNoLeftovers().isEmpty)
    }

    @Test func aHostWhereJobsCrashInARowIsQuarantined() throws {
        let sandbox = try SweepSandbox()
        try sandbox.write("q.json", """
            {"name": "q", "workload": "probe", "base": {"epochs": 2, "crash_at_epoch": 1}, "grid": {"value": [1, 2, 3, 4, 5]}}
            """)
        let run = try sandbox.run(["launch", "q.json", "--local-slots", "1", "--max-attempts", "1"])
        #expect(run.status == 1)
        #expect(run.stdout.contains("host local quarantined"))
        let final = try #require(counts(sandbox, "q"))
        #expect(final.failed == 3 && final.pending == 2)
        let status = try sandbox.run(["status", "q"])
        #expect(status.stdout.contains("host local: quarantined (3 jobs failed in a row there"))
        #expect(sandbox.waitForNoLeftovers().isEmpty)
    }

    /// Errors a job reports itself (here the probe's; in practice a missing data set) fail
    /// those jobs but leave the host in use for the rest of the sweep.
    @Test func jobsThatReportTheirOwnFailureDoNotQuarantineTheHost() throws {
        let sandbox = try SweepSandbox()
        try sandbox.write("r.json", """
            {"name": "r", "workload": "probe", "base": {"epochs": 2},
             "include": [{"value": 1, "fail_at_epoch": 1}, {"value": 2, "fail_at_epoch": 1}, {"value": 3, "fail_at_epoch": 1},
                         {"value": 4, "fail_at_epoch": 1}, {"value": 5}]}
            """)
        let run = try sandbox.run(["launch", "r.json", "--local-slots", "1", "--max-attempts", "1"])
        #expect(run.status == 1)
        #expect(!run.stdout.contains("quarantined"))
        let final = try #require(counts(sandbox, "r"))
        #expect(final.failed == 4 && final.done == 1 && final.pending == 0)
    }

    @Test func sweepCancelDrainsThenCancelsFromAnotherProcess() throws {
        let sandbox = try SweepSandbox()
        try sandbox.write("c.json", """
            {"name": "c", "workload": "probe", "base": {"epochs": 100, "sleep_ms": 100}, "grid": {"value": [1, 2, 3]}}
            """)
        let launch = try sandbox.start(["launch", "c.json", "--local-slots", "1"])
        #expect(sandbox.waitUntil(timeout: 60) { (counts(sandbox, "c")?.running ?? 0) == 1 })
        let wrongName = try sandbox.run(["cancel", "other"])
        #expect(wrongName.status != 0)
        #expect(try sandbox.run(["cancel", "c"]).status == 0)
        Thread.sleep(forTimeInterval: 0.5)
        #expect(launch.process.isRunning, "a first cancel only drains")
        #expect(try sandbox.run(["cancel"]).status == 0)
        launch.wait(timeout: 30)
        #expect(launch.status == 130)
        let final = try #require(counts(sandbox, "c"))
        #expect(final.cancelled == 1 && final.pending == 2 && final.running == 0)
        #expect(try sandbox.run(["cancel"]).status != 0, "no coordinator is left to cancel")
        #expect(sandbox.waitForNoLeftovers().isEmpty)
    }

    @Test func aSecondCoordinatorOnTheSameDatabaseIsRefused() throws {
        let sandbox = try SweepSandbox()
        try sandbox.write("a.json", #"{"name": "a", "workload": "probe", "base": {"epochs": 50, "sleep_ms": 100}}"#)
        let first = try sandbox.start(["launch", "a.json"])
        #expect(sandbox.waitUntil(timeout: 60) { (counts(sandbox, "a")?.running ?? 0) == 1 })
        let second = try sandbox.run(["launch", "a.json"])
        #expect(second.status == 75)
        #expect(second.stderr.contains("another sweep coordinator"))
        kill(first.process.processIdentifier, SIGKILL)
        first.wait(timeout: 10)
        #expect(sandbox.waitForNoLeftovers().isEmpty)
    }
}
