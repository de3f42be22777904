import Foundation
import SweepCore
import SweepSpec
@testable import SweepStore
import SweepTestSupport
import Testing
import Workloads

/// A suite whose databases live in the test's own folder, removed when the test ends
/// (Swift Testing makes a fresh suite value for each test and drops it afterwards).
protocol ScratchDatabases {
    var scratch: TemporaryFolder { get }
}

extension ScratchDatabases {
    /// A fresh database file in a folder of its own (its -wal and -shm files beside it).
    func temporaryDatabase() throws -> String {
        let folder = scratch.file("db-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder + "/sweep.sqlite"
    }
}

/// Waits until no writer holds the lock of the database at `path`. The lock goes with the
/// last descriptor of its open file, and a program another test of this process is
/// spawning holds a copy of every descriptor from its fork to its exec (seen under load:
/// a closed writer's database still locked). Asks only the lock: a connection opened
/// meanwhile would keep a closing writer from removing its log. 60 s is a hang guard.
func waitUntilUnlocked(_ path: String) {
    let deadline = Date().addingTimeInterval(60)
    while WriterLock.isHeld(databasePath: path), Date() < deadline { usleep(5_000) }
}

/// Runs SQL on the file with the sqlite3 shell: another program writing the database.
func sqlite3(_ path: String, _ sql: String) throws {
    try Program.run("/usr/bin/sqlite3", [path, sql]).succeeded()
}

func newJobs(_ spec: String) throws -> [NewJob] {
    try SweepSpec(document: SpecDocument(file: "t.json", text: spec), workloads: WorkloadRegistry.all).plan().jobs
        .map { NewJob(key: $0.key, workload: $0.workload, config: $0.config) }
}

@Suite struct StoreTests: ScratchDatabases {
    let scratch: TemporaryFolder
    init() throws { scratch = try TemporaryFolder("sweep-store") }
    let spec = #"{"name": "s", "workload": "probe", "grid": {"value": [1, 2]}, "seeds": 2}"#

    @Test func migratesAnEmptyFileAndIsSound() throws {
        let store = try StoreWriter(path: try temporaryDatabase())
        #expect(try store.integrityCheck() == "ok")
        #expect(try store.sweeps().isEmpty)
    }

    @Test func registeringTwiceReusesJobsAndSharedConfigsShareJobs() throws {
        let store = try StoreWriter(path: try temporaryDatabase())
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
        let store = try StoreWriter(path: path)
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
        let preview = try #require(try StoreReader(path: path).difference(sweep: "s", keys: editedJobs.map(\.key)))
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
            let store = try StoreWriter(path: path)
            _ = try store.register(name: "s", workload: "probe", specPath: "t.json", specText: spec, jobs: try newJobs(spec))
        }
        // Undo the migration as the previous version left the file: no table, no record of it.
        try sqlite3(path, "DROP TABLE spec_revisions; DELETE FROM grdb_migrations WHERE identifier = 'v3-spec-revisions'")
        // Read without migrating, it is at revision 1.
        let reader = try StoreReader(path: path)
        #expect(try reader.overviews().map(\.revision) == [1])
        #expect(try reader.revisions(of: try #require(try reader.sweep(named: "s")).id).isEmpty)
        #expect(try reader.difference(sweep: "s", keys: try newJobs(spec).map(\.key))?.revision == 1)
        let store = try StoreWriter(path: path)
        let sweep = try #require(try store.sweep(named: "s"))
        #expect(try store.revisions(of: sweep.id).map(\.revision) == [1])
        #expect(try store.revisions(of: sweep.id).first?.jobs == 4)
        #expect(try store.register(name: "s", workload: "probe", specPath: "t.json", specText: spec, jobs: try newJobs(spec)).revision == 1)
    }

    @Test func overviewsCountEachSweepsJobsAndRemovalKeepsSharedJobs() throws {
        let store = try StoreWriter(path: try temporaryDatabase())
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

    /// `rm --purge` deletes the jobs' output folders, and their numbers are never given
    /// again: a new job never lists a purged one's files.
    @Test func purgedJobsTakeTheirOutputsAndTheirIdsAreNeverReused() throws {
        let path = try temporaryDatabase()
        let store = try StoreWriter(path: path)
        let s = try store.register(name: "s", workload: "probe", specPath: "t.json", specText: spec, jobs: try newJobs(spec)).sweep
        let ids = try store.jobs(of: s.id).map(\.id)
        let root = JobOutput.root(database: path)
        let outside = FileManager.default.temporaryDirectory.appendingPathComponent("sweep-outside-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: outside) }
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        try Data("keep".utf8).write(to: URL(fileURLWithPath: outside + "/mine.txt"))
        for id in ids.dropLast() {
            let folder = JobOutput.folder(root: root, job: id, attempt: 1)
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try Data("result of \(id)".utf8).write(to: URL(fileURLWithPath: folder + "/result.txt"))
        }
        // A link planted in place of the last job's folder goes, not what it points at.
        try FileManager.default.createSymbolicLink(atPath: root + "/job-\(ids.last!)", withDestinationPath: outside)
        let removal = try #require(try store.removeSweep(named: "s", purge: true))
        #expect(removal.jobsDeleted == 4 && removal.outputsLeft.isEmpty, "\(removal)")
        for id in ids { #expect(!FileManager.default.fileExists(atPath: root + "/job-\(id)"), "job-\(id)") }
        #expect(FileManager.default.fileExists(atPath: outside + "/mine.txt"))

        let other = #"{"name": "t", "workload": "probe", "grid": {"value": [5, 6, 7]}}"#
        let t = try store.register(name: "t", workload: "probe", specPath: "o.json", specText: other, jobs: try newJobs(other)).sweep
        let fresh = try store.jobs(of: t.id).map(\.id)
        #expect(fresh.count == 3 && fresh.min()! > ids.max()!, "\(fresh) after \(ids)")
        #expect(t.id > s.id)
        #expect(try store.integrityCheck() == "ok")
    }

    /// A store made before ids were kept from reuse reads as it is, and migrates keeping
    /// every id; from then on a purged id is never given again.
    @Test func aStoreFromBeforeAutoincrementMigratesKeepingItsIds() throws {
        let path = try temporaryDatabase()
        let other = #"{"name": "o", "workload": "probe", "grid": {"value": [3, 4]}}"#
        do {
            let store = try StoreWriter(path: path)
            _ = try store.register(name: "s", workload: "probe", specPath: "t.json", specText: spec, jobs: try newJobs(spec))
            _ = try store.register(name: "o", workload: "probe", specPath: "o.json", specText: other, jobs: try newJobs(other))
        }
        // The tables as versions before v6 made them: ids without AUTOINCREMENT.
        try sqlite3(path, """
            PRAGMA foreign_keys = OFF;
            CREATE TABLE old_sweeps (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, workload TEXT NOT NULL, spec_path TEXT NOT NULL,
                spec_text TEXT NOT NULL, plan_hash TEXT NOT NULL, created_at TEXT NOT NULL, launched_at TEXT NOT NULL);
            INSERT INTO old_sweeps SELECT * FROM sweeps; DROP TABLE sweeps; ALTER TABLE old_sweeps RENAME TO sweeps;
            CREATE TABLE old_jobs (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, workload TEXT NOT NULL, config TEXT NOT NULL,
                seed INTEGER NOT NULL, state TEXT NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'running', 'done', 'failed', 'cancelled')),
                attempts INTEGER NOT NULL DEFAULT 0, host TEXT, created_at TEXT NOT NULL, started_at TEXT, finished_at TEXT,
                error TEXT, summary TEXT, ok_attempt INTEGER);
            INSERT INTO old_jobs SELECT * FROM jobs; DROP TABLE jobs; ALTER TABLE old_jobs RENAME TO jobs;
            DELETE FROM sqlite_sequence;
            DELETE FROM grdb_migrations WHERE identifier = 'v6-ids-never-reused';
            """)
        let reader = try StoreReader(path: path)
        let before = try reader.sweeps().flatMap { sweep in try reader.jobs(of: sweep.id).map { "\(sweep.name) \($0.id) \($0.key)" } }
        #expect(before.count == 6)
        let store = try StoreWriter(path: path)
        let after = try store.sweeps().flatMap { sweep in try store.jobs(of: sweep.id).map { "\(sweep.name) \($0.id) \($0.key)" } }
        #expect(after.sorted() == before.sorted())
        #expect(try store.integrityCheck() == "ok")
        let highest = try store.jobs(of: try #require(try store.sweep(named: "o")).id).map(\.id).max()!
        _ = try store.removeSweep(named: "o", purge: true)
        let again = #"{"name": "n", "workload": "probe", "grid": {"value": [8]}}"#
        let n = try store.register(name: "n", workload: "probe", specPath: "n.json", specText: again, jobs: try newJobs(again)).sweep
        #expect(try store.jobs(of: n.id).map(\.id) == [highest + 1])
    }

    @Test func attemptsMoveJobsThroughTheirStatesAndIgnoreStaleResults() throws {
        let store = try StoreWriter(path: try temporaryDatabase())
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
        let store = try StoreWriter(path: try temporaryDatabase())
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
        #expect { try StoreWriter(path: "/proc/no-such-dir/sweep.sqlite") } throws: { ($0 as? StoreError)?.kind == .cannotOpen }
        #expect { try StoreReader(path: "/nonexistent/sweep.sqlite") } throws: { ($0 as? StoreError)?.kind == .notFound }
    }
}

/// Which sweep's rule stopped a job decides what another sweep sharing it does with it.
@Suite struct StopDecisionStoreTests: ScratchDatabases {
    let scratch: TemporaryFolder
    init() throws { scratch = try TemporaryFolder("sweep-store") }
    let spec = #"{"name": "a", "workload": "probe", "grid": {"value": [1, 2]}}"#
    let shared = #"{"name": "b", "workload": "probe", "grid": {"value": [1, 2, 3]}}"#

    /// Sweep a stops job `value 1` at attempt 1; returns (store, a, b, the job).
    func stoppedByA() throws -> (StoreWriter, Int64, Int64, Int64) {
        let store = try StoreWriter(path: try temporaryDatabase())
        let a = try store.register(name: "a", workload: "probe", specPath: "a.json", specText: spec, jobs: try newJobs(spec)).sweep.id
        let b = try store.register(name: "b", workload: "probe", specPath: "b.json", specText: shared, jobs: try newJobs(shared)).sweep.id
        let job = try store.jobs(of: a)[0].id
        #expect(try store.startAttempt(job: job, host: "local") == 1)
        try store.append(metrics: [MetricRow(job: job, attempt: 1, epoch: 1, name: "acc", value: 0.25)], logs: [])
        let decision = StopDecision(sweep: a, rule: "asha", epoch: 1, reason: "stopped at epoch 1 by asha: acc 0.25 below")
        #expect(try store.finishAttempt(job: job, attempt: 1, outcome: .stopped(decision, stderrTail: nil)))
        return (store, a, b, job)
    }

    @Test func aSweepWithoutARuleRunsAnotherSweepsStoppedJobAndTheStopperKeepsItsOwn() throws {
        let (store, a, b, job) = try stoppedByA()
        let recorded = try #require(try store.stopDecisions(of: a)[job])
        #expect(recorded.rule == "asha" && recorded.epoch == 1 && recorded.attempt == 1)
        // a itself, relaunched without a rule, keeps its own decision.
        #expect(try store.settleStopped(sweep: a, hasStopRule: false) == StoppedSettlement(restored: 0, runToEnd: 0))
        #expect(try store.job(String(job))?.state == .stopped)
        // b with a rule of its own takes a's decision as it stands.
        #expect(try store.settleStopped(sweep: b, hasStopRule: true) == StoppedSettlement(restored: 0, runToEnd: 0))
        #expect(try store.job(String(job))?.state == .stopped)
        // b without a rule runs it to the end; a's decision and its attempt's metrics stay.
        #expect(try store.settleStopped(sweep: b, hasStopRule: false) == StoppedSettlement(restored: 0, runToEnd: 1))
        #expect(try store.job(String(job))?.state == .pending)
        #expect(try store.startAttempt(job: job, host: "local") == 2)
        // b's coordinator dies before the end: a's next launch finds it pending and stops it again, attempt 1's.
        _ = try store.register(name: "a", workload: "probe", specPath: "a.json", specText: spec, jobs: try newJobs(spec))
        #expect(try store.settleStopped(sweep: a, hasStopRule: true) == StoppedSettlement(restored: 1, runToEnd: 0))
        let again = try #require(try store.job(String(job)))
        #expect(again.state == .stopped && again.okAttempt == 1 && again.error == recorded.reason)
        #expect(try store.finalMetrics(of: a)[job]?["acc"] == 0.25)
        // b again, and this time to the end.
        #expect(try store.settleStopped(sweep: b, hasStopRule: false).runToEnd == 1)
        #expect(try store.startAttempt(job: job, host: "local") == 3)
        try store.append(metrics: [MetricRow(job: job, attempt: 3, epoch: 1, name: "acc", value: 0.5),
                                   MetricRow(job: job, attempt: 3, epoch: 2, name: "acc", value: 0.75)], logs: [])
        #expect(try store.finishAttempt(job: job, attempt: 3, outcome: .ok(summary: nil)))
        #expect(try store.finalMetrics(of: b)[job]?["acc"] == 0.75)
        #expect(try store.metrics(of: job).filter { $0.attempt == 1 }.map(\.value) == [0.25])
        // Done stays done for a: nothing to restore.
        #expect(try store.settleStopped(sweep: a, hasStopRule: true) == StoppedSettlement(restored: 0, runToEnd: 0))
        #expect(try store.job(String(job))?.state == .done)
        // Removing a sweep takes its decisions with it.
        _ = try store.removeSweep(named: "a", purge: false)
        #expect(try store.stopDecisions(of: a).isEmpty)
        #expect(try store.integrityCheck() == "ok")
    }

    /// A store from before v7 had stopped jobs without saying which sweep stopped them: each
    /// sweep they are in keeps them stopped, as before.
    @Test func aStoreFromBeforeStopDecisionsKeepsItsStoppedJobsStoppedEverywhere() throws {
        // The writer is closed before another program edits the file.
        let (path, a, b, job) = try { () throws -> (String, Int64, Int64, Int64) in
            let (store, a, b, job) = try stoppedByA()
            return (store.path, a, b, job)
        }()
        try sqlite3(path, "DROP TABLE stop_decisions; DELETE FROM grdb_migrations WHERE identifier = 'v7-stop-decisions'")
        let reader = try StoreReader(path: path)
        #expect(try reader.stopDecisions(of: a).isEmpty)
        #expect(try reader.job(String(job))?.state == .stopped)
        let migrated = try StoreWriter(path: path)
        for sweep in [a, b] {
            let decision = try #require(try migrated.stopDecisions(of: sweep)[job])
            #expect(decision.rule == nil && decision.attempt == 1 && decision.reason.hasPrefix("stopped at epoch 1 by asha"))
        }
        #expect(try migrated.settleStopped(sweep: b, hasStopRule: false).runToEnd == 0)
        #expect(try migrated.job(String(job))?.state == .stopped)
    }
}
