import Foundation
import SweepStore
import SweepTestSupport
import Testing

/// One coordinator per database whatever the path, read-only readers, and the state of a
/// sweep whose coordinator died, through the real binary.
@Suite(.serialized) struct StoreSafetyTests {
    func counts(_ sandbox: SweepSandbox, _ sweep: String) -> StateCounts? {
        guard let store = try? StoreReader(path: sandbox.database),
              let info = try? store.sweep(named: sweep) else { return nil }
        return try? store.counts(of: info.id)
    }

    /// Every attempt of the sweep: a second coordinator would have opened more.
    func attempts(_ sandbox: SweepSandbox, _ sweep: String) throws -> [StoredAttempt] {
        let store = try StoreReader(path: sandbox.database)
        let info = try #require(try store.sweep(named: sweep))
        return try store.jobs(of: info.id).flatMap { try store.attempts(of: $0.id) }
    }

    /// `rm --purge` then `launch`: the new jobs get numbers above every earlier one, and
    /// none of them lists the purged jobs' output files.
    @Test func aPurgedJobsNumberAndOutputsAreNeverHandedToANewJob() throws {
        let sandbox = try SweepSandbox()
        try sandbox.write("out.sh", "echo \"from $1\" > \"$SWEEP_OUTPUT/result.txt\"\n")
        for (name, values) in [("first", "[1, 2]"), ("second", "[3, 4]")] {
            try sandbox.write("\(name).json", """
                {"name": "\(name)", "workload": "command", "base": {"command": "sh out.sh \(name)", "files": ["out.sh"]},
                 "grid": {"v": \(values)}}
                """)
        }
        #expect(try sandbox.run(["launch", "first.json", "--quiet"]).status == 0)
        let outputs = sandbox.directory.appendingPathComponent("sweep-outputs")
        let firstJobs = try FileManager.default.contentsOfDirectory(atPath: outputs.path).sorted()
        #expect(firstJobs == ["job-1", "job-2"])
        let rm = try sandbox.run(["rm", "first", "--purge"])
        #expect(rm.status == 0 && rm.stdout.contains("2 jobs deleted"), "\(rm.stdout)\n\(rm.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: outputs.path).isEmpty)
        let second = try sandbox.run(["launch", "second.json", "--quiet"])
        #expect(second.status == 0, "\(second.stderr)")
        let store = try StoreReader(path: sandbox.database)
        let ids = try store.jobs(of: try #require(try store.sweep(named: "second")).id).map(\.id)
        #expect(ids.sorted() == [3, 4])
        for id in ids {
            let logs = try sandbox.run(["logs", String(id)])
            #expect(logs.stdout.contains("result.txt") && !logs.stdout.contains("job-1") && !logs.stdout.contains("job-2"), "\(logs.stdout)")
            let result = try String(contentsOf: outputs.appendingPathComponent("job-\(id)/attempt-1/result.txt"), encoding: .utf8)
            #expect(result == "from second\n")
        }
    }

    /// As root, drop to nobody with setpriv so file modes apply; otherwise they already do.
    /// Only if nobody can run the binary here (a checkout under /root cannot be); else the
    /// tests still check that nothing was written.
    static let asOtherUser: Bool = {
        guard getuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") else { return false }
        let probe = try? Program.run("/usr/bin/setpriv", ["--reuid=nobody", "--regid=nogroup", "--clear-groups", SweepSandbox.binary.path, "--version"])
        return probe?.status == 0
    }()

    /// Runs `sweep ARGS --db DATABASE` as a user who can only read the database, in
    /// `directory` (which that user may write to), to completion.
    func runAsReader(_ arguments: [String], database: String, in directory: String) throws -> Run {
        let prefix = Self.asOtherUser ? ["--reuid=nobody", "--regid=nogroup", "--clear-groups", SweepSandbox.binary.path] : []
        let process = Process()
        process.executableURL = Self.asOtherUser ? URL(fileURLWithPath: "/usr/bin/setpriv") : SweepSandbox.binary
        process.arguments = prefix + arguments + ["--db", database]
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let stdout = URL(fileURLWithPath: directory + "/stdout-\(UUID().uuidString)")
        let stderr = URL(fileURLWithPath: directory + "/stderr-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: stdout.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderr.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: stdout)
        process.standardError = try FileHandle(forWritingTo: stderr)
        try process.run()
        let result = Run(process: process, stdoutFile: stdout, stderrFile: stderr)
        result.wait(timeout: 60)
        return result
    }

    @Test func aSecondCoordinatorIsRefusedWhateverThePathAndADeadOneIsReportedInterrupted() throws {
        let sandbox = try SweepSandbox()
        try sandbox.write("a.json", """
            {"name": "a", "workload": "probe", "base": {"epochs": 100, "sleep_ms": 100}, "grid": {"value": [1, 2]}}
            """)
        let first = try sandbox.start(["launch", "a.json", "--local-slots", "2"])
        #expect(sandbox.waitUntil(timeout: 60) { (counts(sandbox, "a")?.running ?? 0) == 2 })
        let before = try attempts(sandbox, "a")

        let directory = sandbox.directory.path
        try FileManager.default.createSymbolicLink(atPath: directory + "/link.sqlite", withDestinationPath: sandbox.database)
        try FileManager.default.createDirectory(atPath: directory + "/sub", withIntermediateDirectories: true)
        // A lock file of an older sweep, deleted: nothing depends on it.
        try sandbox.write("sweep.sqlite.lock", "1 a\n")
        try FileManager.default.removeItem(atPath: directory + "/sweep.sqlite.lock")
        for db in ["link.sqlite", sandbox.database, "./sub/../sweep.sqlite", "sub/../link.sqlite"] {
            let second = try sandbox.run(["launch", "a.json", "--db", db, "--local-slots", "1"])
            #expect(second.status == 75, "--db \(db): \(second.stdout)\n\(second.stderr)")
            #expect(second.stderr.contains("another sweep coordinator (pid \(first.process.processIdentifier) on "),
                    "--db \(db): \(second.stderr)")
            #expect(second.stderr.contains("sweep a, since"), "--db \(db): \(second.stderr)")
        }
        let after = try attempts(sandbox, "a")
        #expect(after.count == before.count && after.allSatisfy { $0.attempt == 1 }, "\(after)")
        let running = try sandbox.run(["status", "a", "--brief"])
        #expect(running.stdout.contains("coordinator: running (pid \(first.process.processIdentifier)"), "\(running.stdout)")

        // kill -9: the lock goes with the process, and readers say so.
        kill(first.process.processIdentifier, SIGKILL)
        first.wait(timeout: 10)
        #expect(sandbox.waitForNoLeftovers().isEmpty)
        let status = try sandbox.run(["status", "a"])
        #expect(status.status == 0, "\(status.stderr)")
        #expect(status.stdout.contains("2 interrupted"), "\(status.stdout)")
        #expect(status.stdout.contains("interrupted: no coordinator is running; 2 jobs are not finished. Continue with: sweep resume a"),
                "\(status.stdout)")
        #expect(!status.stdout.contains("coordinator: running"))
        // A user who can only read sees the same, from the log the dead writer left.
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasPrefix("sweep.sqlite") }.sorted()
        #expect(files == ["sweep.sqlite", "sweep.sqlite-shm", "sweep.sqlite-wal"])
        let logBytes = try Data(contentsOf: URL(fileURLWithPath: sandbox.database + "-wal"))
        let outFolder = try TemporaryFolder("sweep-reader")
        let out = outFolder.path
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: out)
        let reader = try runAsReader(["status", "a", "--brief"], database: sandbox.database, in: out)
        #expect(reader.status == 0, "\(reader.stderr)")
        #expect(reader.stdout.contains("interrupted: no coordinator is running"), "\(reader.stdout)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: sandbox.database + "-wal")) == logBytes)
        let report = try sandbox.run(["report", "a", "--stdout"])
        #expect(report.status == 0, "\(report.stderr)")
        #expect(report.stdout.contains("- Status: interrupted (no coordinator running) with 2 of 2 jobs not done"), "\(report.stdout)")
        #expect(!report.stdout.contains("**running**"))
        let logs = try sandbox.run(["logs", "1"])
        #expect(logs.stdout.contains("attempt 1 on local: interrupted (no coordinator running)"), "\(logs.stdout)")
        // And the database is free for the next coordinator.
        let cancel = try sandbox.run(["cancel"])
        #expect(cancel.status == 1 && cancel.stderr.contains("no coordinator is running"), "\(cancel.stderr)")
    }

    /// status, logs and report on a database the user can only read, as another user
    /// (root ignores file modes), and no byte of it changes.
    @Test func readersWorkOnADatabaseTheUserCanOnlyRead() throws {
        let sandbox = try SweepSandbox()
        try sandbox.write("r.json", #"{"name": "r", "workload": "probe", "base": {"epochs": 3}, "grid": {"value": [1, 2]}}"#)
        let launch = try sandbox.run(["launch", "r.json", "--local-slots", "2"])
        try #require(launch.status == 0, "\(launch.stdout)\n\(launch.stderr)")
        let outFolder = try TemporaryFolder("sweep-reader")
        let out = outFolder.path
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: out)
        // Only the database in a folder nobody else may write to.
        let dataFolder = try TemporaryFolder("sweep-read-only")  // removed even though made read-only below
        let data = dataFolder.path
        let database = data + "/sweep.sqlite"
        try FileManager.default.copyItem(atPath: sandbox.database, toPath: database)
        try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: database)
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: data)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: database))
        let modified = try FileManager.default.attributesOfItem(atPath: database)[.modificationDate] as? Date

        let status = try runAsReader(["status", "r"], database: database, in: out)
        #expect(status.status == 0, "\(status.stderr)")
        #expect(status.stdout.contains("2/2 done"), "\(status.stdout)")
        let logs = try runAsReader(["logs", "1"], database: database, in: out)
        #expect(logs.status == 0, "\(logs.stderr)")
        #expect(logs.stdout.contains("attempt 1 on local: ok"), "\(logs.stdout)")
        let report = try runAsReader(["report", "r", "--out", out + "/Reports"], database: database, in: out)
        #expect(report.status == 0, "\(report.stderr)")
        #expect(FileManager.default.fileExists(atPath: out + "/Reports/r/report.md"))

        #expect(try FileManager.default.contentsOfDirectory(atPath: data) == ["sweep.sqlite"], "no -wal or -shm created")
        #expect(try Data(contentsOf: URL(fileURLWithPath: database)) == bytes)
        #expect(try FileManager.default.attributesOfItem(atPath: database)[.modificationDate] as? Date == modified)
    }
}
