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

    @Test func anEditedSpecBecomesTheSweepsJobSetAndEachTextARevision() throws {
        let path = try temporaryDatabase()
        let store = try Store(path: path)
        let first = try store.register(name: "s", workload: "probe", specPath: "t.json", specText: spec, jobs: try newJobs(spec))
        #expect(first.revision == 1)
        #expect(first.difference == SweepDifference(added: 4, kept: 0, keptDone: 0, dropped: 0))
        let jobs = try store.jobs(of: first.sweep.id)
        // value 1 (seeds 0 and 1) done, value 2 seed 0 done.
        for job in jobs.prefix(3) {
            let attempt = try store.startAttempt(job: job.id, host: "local")
            try store.finishAttempt(job: job.id, attempt: attempt, outcome: .ok(summary: nil))
        }
        let edited = #"{"name": "s", "workload": "probe", "grid": {"value": [2, 3, 4]}, "seeds": 2}"#
        let editedJobs = try newJobs(edited)
        // The read-only preview says what registering will do, and changes nothing.
        let preview = try #require(try Store(path: path, readOnly: true).difference(sweep: "s", keys: editedJobs.map(\.key)))
        #expect(preview.0 == SweepDifference(added: 4, kept: 2, keptDone: 1, dropped: 2) && preview.revision == 1)
        #expect(try store.jobs(of: first.sweep.id).map(\.key) == jobs.map(\.key))

        let second = try store.register(name: "s", workload: "probe", specPath: "t.json", specText: edited, jobs: editedJobs)
        #expect(second.sweep.id == first.sweep.id)
        #expect(second.difference == preview.0)
        #expect(second.difference.description == "+4 new, 2 kept (1 done), 2 dropped")
        #expect(second.revision == 2)
        let now = try store.jobs(of: first.sweep.id)
        #expect(now.map(\.key) == editedJobs.map(\.key), "the new expansion, in spec order")
        #expect(now.filter { $0.state == .done }.map(\.id) == [jobs[2].id], "the done job kept is not rerun")
        // Dropped jobs leave the sweep but stay in the store, done.
        for dropped in jobs.prefix(2) { #expect(try store.job(String(dropped.id))?.state == .done) }
        #expect(try store.counts(of: first.sweep.id).total == 6)

        // The same text again is no new revision; the first text again is revision 3.
        let same = try store.register(name: "s", workload: "probe", specPath: "t.json", specText: edited, jobs: editedJobs)
        #expect(same.revision == 2)
        #expect(same.difference == SweepDifference(added: 0, kept: 6, keptDone: 1, dropped: 0))
        let back = try store.register(name: "s", workload: "probe", specPath: "t.json", specText: spec, jobs: try newJobs(spec))
        #expect(back.revision == 3)
        #expect(back.difference == SweepDifference(added: 2, kept: 2, keptDone: 1, dropped: 4))
        #expect(try store.counts(of: first.sweep.id).done == 3, "the jobs that came back are still done")
        #expect(try store.revisions(of: first.sweep.id).map(\.specText) == [spec, edited, spec])
        #expect(try store.revisions(of: first.sweep.id).map(\.jobs) == [4, 6, 4])
        #expect(try store.sweeps().count == 1)
        #expect(try store.integrityCheck() == "ok")
    }

    @Test func aDatabaseFromBeforeRevisionsGetsRevisionOne() throws {
        let path = try temporaryDatabase()
        do {
            let store = try Store(path: path)
            _ = try store.register(name: "s", workload: "probe", specPath: "t.json", specText: spec, jobs: try newJobs(spec))
        }
        // Undo the migration as the previous version left the file: no table, no record of it.
        try sqlite3(path, "DROP TABLE spec_revisions; DELETE FROM grdb_migrations WHERE identifier = 'v3-spec-revisions'")
        // Read without migrating, it is at revision 1.
        let reader = try Store(path: path, readOnly: true)
        #expect(try reader.overviews().map(\.revision) == [1])
        #expect(try reader.revisions(of: try #require(try reader.sweep(named: "s")).id).isEmpty)
        #expect(try reader.difference(sweep: "s", keys: try newJobs(spec).map(\.key))?.revision == 1)
        let store = try Store(path: path)
        let sweep = try #require(try store.sweep(named: "s"))
        #expect(try store.revisions(of: sweep.id).map(\.revision) == [1])
        #expect(try store.revisions(of: sweep.id).first?.jobs == 4)
        #expect(try store.register(name: "s", workload: "probe", specPath: "t.json", specText: spec, jobs: try newJobs(spec)).revision == 1)
    }

    @Test func overviewsCountEachSweepsJobsAndRemovalKeepsSharedJobs() throws {
        let store = try Store(path: try temporaryDatabase())
        let s = try store.register(name: "s", workload: "probe", specPath: "t.json", specText: spec, jobs: try newJobs(spec)).sweep
        let other = #"{"name": "o", "workload": "probe", "grid": {"value": [2, 3]}, "seeds": [1]}"#
        let o = try store.register(name: "o", workload: "probe", specPath: "o.json", specText: other, jobs: try newJobs(other)).sweep
        let shared = try #require(try store.jobs(of: o.id).first { $0.config.double("value") == 2 })
        let attempt = try store.startAttempt(job: shared.id, host: "local")
        try store.append(metrics: [MetricRow(job: shared.id, attempt: attempt, epoch: 1, name: "loss", value: 1)],
                         logs: [(job: shared.id, attempt: attempt, line: "hello")])
        try store.finishAttempt(job: shared.id, attempt: attempt, outcome: .ok(summary: nil))
        let mine = try #require(try store.jobs(of: s.id).first { $0.config.double("value") == 1 })
        _ = try store.startAttempt(job: mine.id, host: "local")

        let overviews = Dictionary(uniqueKeysWithValues: try store.overviews().map { ($0.sweep.name, $0) })
        #expect(overviews["s"]?.counts.done == 1 && overviews["s"]?.counts.running == 1 && overviews["s"]?.counts.total == 4)
        #expect(overviews["o"]?.counts.done == 1 && overviews["o"]?.counts.pending == 1)
        #expect(overviews["s"]?.revision == 1)

        // Without --purge every job stays; with it, only jobs no other sweep uses go.
        let kept = try #require(try store.removeSweep(named: "o", purge: false))
        #expect(kept.jobsKept == 2 && kept.jobsDeleted == 0)
        #expect(try store.job(String(shared.id)) != nil)
        _ = try store.register(name: "o", workload: "probe", specPath: "o.json", specText: other, jobs: try newJobs(other))
        let purged = try #require(try store.removeSweep(named: "s", purge: true))
        #expect(purged.jobsKept == 1 && purged.jobsDeleted == 3)
        #expect(try store.job(String(mine.id)) == nil)
        #expect(try store.job(String(shared.id))?.state == .done)
        #expect(try store.metrics(of: shared.id).count == 1)
        #expect(try store.attempts(of: mine.id).isEmpty)
        #expect(try store.sweeps().map(\.name) == ["o"])
        #expect(try store.removeSweep(named: "s", purge: true) == nil)
        #expect(try store.integrityCheck() == "ok")
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
