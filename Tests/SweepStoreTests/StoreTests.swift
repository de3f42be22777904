import Foundation
import SweepCore
import SweepSpec
import SweepStore
import Testing
import Workloads

/// A fresh database file in its own temporary directory.
func temporaryDatabase() throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sweep-store-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir.appendingPathComponent("sweep.sqlite").path
}

/// Runs SQL on the file with the sqlite3 shell: another program writing the database.
func sqlite3(_ path: String, _ sql: String) throws {
    let shell = Process()
    shell.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
    shell.arguments = [path, sql]
    try shell.run()
    shell.waitUntilExit()
    try #require(shell.terminationStatus == 0, "sqlite3 \(sql)")
}

func newJobs(_ spec: String) throws -> [NewJob] {
    try SweepSpec(document: SpecDocument(file: "t.json", text: spec), workloads: WorkloadRegistry.all).plan().jobs
        .map { NewJob(key: $0.key, workload: $0.workload, config: $0.config) }
}

@Suite struct StoreTests {
    let spec = #"{"name": "s", "workload": "probe", "grid": {"value": [1, 2]}, "seeds": 2}"#

    @Test func migratesAnEmptyFileAndIsSound() throws {
        let store = try Store(path: try temporaryDatabase())
        #expect(try store.integrityCheck() == "ok")
        #expect(try store.sweeps().isEmpty)
    }

    @Test func registeringTwiceReusesJobsAndSharedConfigsShareJobs() throws {
        let store = try Store(path: try temporaryDatabase())
        let first = try store.register(name: "s", workload: "probe", specPath: "t.json", specText: spec, jobs: try newJobs(spec))
        #expect(first.added == 4)
        let again = try store.register(name: "s", workload: "probe", specPath: "t.json", specText: spec, jobs: try newJobs(spec))
        #expect(again.added == 0 && again.reused == 4)
        #expect(again.sweep.id == first.sweep.id)
        // Another sweep overlapping in one config gets the same job row for it.
        let other = #"{"name": "o", "workload": "probe", "grid": {"value": [2, 3]}, "seeds": [1]}"#
        let overlap = try store.register(name: "o", workload: "probe", specPath: "o.json", specText: other, jobs: try newJobs(other))
        #expect(overlap.added == 1 && overlap.reused == 1)
        #expect(try store.jobs(of: overlap.sweep.id).count == 2)
    }

    @Test func aDifferentSpecUnderTheSameNameIsRefused() throws {
        let store = try Store(path: try temporaryDatabase())
        _ = try store.register(name: "s", workload: "probe", specPath: "t.json", specText: spec, jobs: try newJobs(spec))
        let changed = #"{"name": "s", "workload": "probe", "grid": {"value": [1, 5]}}"#
        #expect {
            try store.register(name: "s", workload: "probe", specPath: "t.json", specText: changed, jobs: try newJobs(changed))
        } throws: { ($0 as? StoreError)?.kind == .conflict }
        #expect(try store.sweeps().count == 1)
    }

    @Test func attemptsMoveJobsThroughTheirStatesAndIgnoreStaleResults() throws {
        let store = try Store(path: try temporaryDatabase())
        let sweep = try store.register(name: "s", workload: "probe", specPath: "t.json", specText: spec, jobs: try newJobs(spec)).sweep
        let job = try store.jobs(of: sweep.id)[0].id
        let first = try store.startAttempt(job: job, host: "a")
        #expect(first == 1)
        try store.append(metrics: [MetricRow(job: job, attempt: 1, epoch: 1, name: "loss", value: 0.5)], logs: [])
        #expect(try store.finishAttempt(job: job, attempt: 1, outcome: .lost(reason: "host died")))
        #expect(try store.jobs(of: sweep.id, states: [.pending]).count == 4)
        let second = try store.startAttempt(job: job, host: "b")
        #expect(second == 2)
        // A late result from the lost attempt changes nothing.
        #expect(try !store.finishAttempt(job: job, attempt: 1, outcome: .ok(summary: nil)))
        try store.append(metrics: [MetricRow(job: job, attempt: 2, epoch: 1, name: "loss", value: 0.25)], logs: [])
        #expect(try store.finishAttempt(job: job, attempt: 2, outcome: .ok(summary: ["x": 1])))
        let stored = try #require(try store.job(String(job)))
        #expect(stored.state == .done && stored.okAttempt == 2 && stored.summary == ["x": 1])
        var seen: [Double?] = []
        try store.forEachOkMetric(of: sweep.id) { _, _, _, value in seen.append(value) }
        #expect(seen == [0.25])
        #expect(try store.attempts(of: job).map(\.status) == [.lost, .ok])
    }

    @Test func registeringRecoversJobsADeadCoordinatorLeftRunning() throws {
        let store = try Store(path: try temporaryDatabase())
        let sweep = try store.register(name: "s", workload: "probe", specPath: "t.json", specText: spec, jobs: try newJobs(spec)).sweep
        let job = try store.jobs(of: sweep.id)[1].id
        _ = try store.startAttempt(job: job, host: "local")
        let again = try store.register(name: "s", workload: "probe", specPath: "t.json", specText: spec, jobs: try newJobs(spec))
        #expect(again.recovered == 1)
        #expect(try store.counts(of: sweep.id).pending == 4)
        #expect(try store.attempts(of: job).map(\.status) == [.lost])
        #expect(try store.startAttempt(job: job, host: "local") == 2)
    }

    @Test func anUnwritableLocationIsAClearError() throws {
        #expect { try Store(path: "/proc/no-such-dir/sweep.sqlite") } throws: { ($0 as? StoreError)?.kind == .cannotOpen }
        #expect { try Store(path: "/nonexistent/sweep.sqlite", readOnly: true) } throws: { ($0 as? StoreError)?.kind == .notFound }
    }
}
