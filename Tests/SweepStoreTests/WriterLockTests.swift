import SweepCore
import Foundation
import SweepStore
import SweepTestSupport
import Testing

/// One writer per database, whatever the path it is opened by.
@Suite struct WriterLockTests: ScratchDatabases {
    let scratch: TemporaryFolder
    init() throws { scratch = try TemporaryFolder("sweep-store") }
    let spec = #"{"name": "s", "workload": "probe", "grid": {"value": [1, 2]}}"#

    /// `path` written relative to the current directory, through `..` up to `/`.
    func relative(_ path: String) -> String {
        let depth = FileManager.default.currentDirectoryPath.split(separator: "/").count
        return String(repeating: "../", count: depth) + path.dropFirst()
    }

    func expectLocked(_ path: String, namingTheHolder: Bool = true, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        do {
            _ = try StoreWriter(path: path, coordinating: "b")
            Issue.record("a second writer opened \(path)", sourceLocation: sourceLocation)
        } catch {
            #expect(error.kind == .locked, sourceLocation: sourceLocation)
            guard namingTheHolder else { return }
            #expect(error.message.contains("pid \(getpid()) on \(ProcessInfo.processInfo.hostName)") && error.message.contains("sweep a"),
                    "\(error.message)", sourceLocation: sourceLocation)
        }
    }

    @Test func aSecondWriterIsRefusedByEveryPathToTheFile() throws {
        let path = try temporaryDatabase()
        let directory = (path as NSString).deletingLastPathComponent
        let first = try StoreWriter(path: path, coordinating: "a")
        try FileManager.default.createSymbolicLink(atPath: directory + "/link.sqlite", withDestinationPath: path)
        try FileManager.default.createDirectory(atPath: directory + "/sub", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: directory + "/sub/up", withDestinationPath: directory)
        try FileManager.default.linkItem(atPath: path, toPath: directory + "/hard.sqlite")

        expectLocked(path)
        expectLocked(directory + "/link.sqlite")
        expectLocked(directory + "/sub/up/sweep.sqlite")
        expectLocked(directory + "/./sub/../sweep.sqlite")
        expectLocked(relative(path))
        // SQLite looks for a hard link's log beside the link, so the holder's record (still
        // in the log) is not seen there; the lock, on the inode, holds all the same.
        expectLocked(directory + "/hard.sqlite", namingTheHolder: false)
        // No lock file to delete: the lock is on the database file itself.
        let files = try FileManager.default.contentsOfDirectory(atPath: directory)
        #expect(files.allSatisfy { !$0.hasSuffix(".lock") }, "\(files)")
        withExtendedLifetime(first) {}
    }

    @Test func theHolderIsNamedAndTheLockGoesWithTheStore() throws {
        let path = try temporaryDatabase()
        #expect(StoreReader.writer(databasePath: path) == nil)
        var first: StoreWriter? = try StoreWriter(path: path, coordinating: "a")
        let holder = try #require(StoreReader.writer(databasePath: path))
        #expect(holder.pid == getpid() && holder.sweep == "a" && holder.host == ProcessInfo.processInfo.hostName)
        #expect(holder.token == 1)
        // Readers do not hold it.
        let reader = try StoreReader(path: path)
        #expect(reader.writer()?.token == 1)
        first = nil
        waitUntilUnlocked(path)
        #expect(StoreReader.writer(databasePath: path) == nil)
        #expect(reader.writer() == nil)
        let second = try StoreWriter(path: path, coordinating: "b")
        #expect(second.writer()?.token == 2 && second.writer()?.sweep == "b")
        withExtendedLifetime(first) {}
    }

    /// If the kernel lock were bypassed (a file system that ignores it, an older sweep),
    /// the lease's token still stops the older writer at its next write.
    @Test func aWriterWhoseLeaseWasTakenOverStopsWriting() throws {
        let path = try temporaryDatabase()
        let store = try StoreWriter(path: path, coordinating: "a")
        _ = try store.register(name: "s", workload: "probe", specPath: "t.json", specText: spec, jobs: try newJobs(spec))
        // Another writer, here the sqlite3 shell, takes the lease with the next token.
        try sqlite3(path, "UPDATE writer_lease SET token = token + 1, pid = 1, host = 'elsewhere', sweep = 'b'")
        #expect {
            try store.record(event: "test", message: "after the take-over")
        } throws: { error in
            guard let error = error as? StoreError else { return false }
            return error.kind == .leaseLost && error.message.contains("pid 1 on elsewhere, sweep b")
        }
        let job = try store.jobs(of: try #require(try store.sweep(named: "s")).id)[0]
        #expect(throws: StoreError.self) { try store.startAttempt(job: job.id, host: "local") }
        #expect(try store.jobs(of: try #require(try store.sweep(named: "s")).id).allSatisfy { $0.state == .pending })
    }
}
