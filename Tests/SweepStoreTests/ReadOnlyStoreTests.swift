import SweepCore
import Foundation
import SweepStore
import SweepTestSupport
import Testing

/// Readers write nothing: they work on a database and folder the user can only read.
@Suite struct ReadOnlyStoreTests: ScratchDatabases {
    let scratch: TemporaryFolder
    init() throws { scratch = try TemporaryFolder("sweep-store") }
    let spec = #"{"name": "s", "workload": "probe", "grid": {"value": [1, 2]}}"#

    struct Snapshot: Equatable {
        var files: [String]
        var bytes: Data
        var modified: Date
    }

    func snapshot(_ path: String) throws -> Snapshot {
        let directory = (path as NSString).deletingLastPathComponent
        return Snapshot(files: try FileManager.default.contentsOfDirectory(atPath: directory).sorted(),
                        bytes: try Data(contentsOf: URL(fileURLWithPath: path)),
                        modified: try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as! Date)
    }

    /// A database with one done job and its metrics, closed by its writer.
    func finishedDatabase() throws -> String {
        let path = try temporaryDatabase()
        do {
            let store = try StoreWriter(path: path, coordinating: "s")
            let sweep = try store.register(name: "s", workload: "probe", specPath: "t.json", specText: spec, jobs: try newJobs(spec)).sweep
            let job = try store.jobs(of: sweep.id)[0].id
            let attempt = try store.startAttempt(job: job, host: "local")
            try store.append(metrics: [MetricRow(job: job, attempt: attempt, epoch: 1, name: "loss", value: 0.5)],
                             logs: [(job, attempt, "hello")])
            try store.finishAttempt(job: job, attempt: attempt, outcome: .ok(summary: nil))
        }
        waitUntilUnlocked(path)
        return path
    }

    @Test func readingAClosedDatabaseWritesNothing() throws {
        let path = try finishedDatabase()
        let directory = (path as NSString).deletingLastPathComponent
        try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: path)
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: directory)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory) }
        let before = try snapshot(path)
        #expect(before.files == ["sweep.sqlite"], "the writer cleaned up its -wal and -shm")

        let store = try StoreReader(path: path)
        let sweep = try #require(try store.sweep(named: "s"))
        let job = try store.jobs(of: sweep.id)[0]
        #expect(job.state == .done)
        #expect(try store.counts(of: sweep.id).done == 1)
        #expect(try store.logs(of: job.id).map(\.line) == ["hello"])
        var values: [Double?] = []
        try store.forEachOkMetric(of: sweep.id) { _, _, _, value in values.append(value) }
        #expect(values == [0.5])
        #expect(store.writer() == nil)
        // A reader cannot write: a StoreReader has no method that would (StoreWriter has them).

        #expect(try snapshot(path) == before, "no byte, time or file changed")
    }

    /// A database an older sweep wrote (before the writer lease) reads as it is, and the
    /// next writer migrates it.
    @Test func aDatabaseOfAnOlderSweepIsReadAndThenMigrated() throws {
        let path = try finishedDatabase()
        try sqlite3(path, "DROP TABLE writer_lease; DELETE FROM grdb_migrations WHERE identifier = 'v2-writer-lease'")
        let reader = try StoreReader(path: path)
        #expect(try reader.sweep(named: "s") != nil)
        #expect(reader.writer() == nil)
        let writer = try StoreWriter(path: path, coordinating: "s")
        #expect(writer.writer()?.token == 1)
        // A database from a newer sweep is refused, by kind.
        try sqlite3(path, "INSERT INTO grdb_migrations VALUES ('v99-future')")
        withExtendedLifetime(writer) {}
        #expect { try StoreReader(path: path) } throws: { ($0 as? StoreError)?.kind == .newerVersion }
    }

    /// A coordinator killed with -9 leaves its write-ahead log: readers must see what it holds.
    @Test func aReaderSeesWhatADeadWriterLeftInItsLog() throws {
        let path = try finishedDatabase()
        // Copy the files while a writer holds them open with a log: what kill -9 leaves.
        let store = try StoreWriter(path: path, coordinating: "s")
        try store.record(event: "late", message: "only in the log")
        let sweep = try #require(try store.sweep(named: "s"))
        _ = try store.startAttempt(job: try store.jobs(of: sweep.id)[1].id, host: "local")
        let copy = try temporaryDatabase()
        for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: path + suffix) {
            try FileManager.default.copyItem(atPath: path + suffix, toPath: copy + suffix)
        }
        #expect(FileManager.default.fileExists(atPath: copy + "-wal"))
        let reader = try StoreReader(path: copy)
        let copied = try #require(try reader.sweep(named: "s"))
        #expect(try reader.counts(of: copied.id).running == 1)
        #expect(reader.writer() == nil, "nobody holds the copy")
        withExtendedLifetime(store) {}
    }
}
