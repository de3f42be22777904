import Foundation
import SweepCore
import SweepStore
import SweepTestSupport
import Testing

/// The `command` workload against hostile programs and files (shared/ADVERSARIAL.md,
/// classes 1, 4 and 5): children that leave the process group, attempts killed at every
/// end, FIFOs, a poisoned cache, configs past the kernel's limits, a dry run that must write
/// nothing. Each sweep runs with its own `$HOME` and `$TMPDIR` in the sandbox.
@Suite(.serialized) struct CommandAdversarialTests {
    /// A sandbox with `home/` and `tmp/` folders for `$HOME` and `$TMPDIR`.
    struct Place {
        let sandbox: SweepSandbox
        var home: String { sandbox.directory.appendingPathComponent("home").path }
        var tmp: String { sandbox.directory.appendingPathComponent("tmp").path }
        var environment: [String: String] { ["HOME": home, "TMPDIR": tmp] }

        init() throws {
            sandbox = try SweepSandbox()
            for folder in [home, tmp] { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        }

        func start(_ arguments: [String]) throws -> Run {
            try sandbox.start(arguments, environment: environment)
        }

        func run(_ arguments: [String], timeout: Double = 120) throws -> Run {
            let run = try start(arguments)
            run.wait(timeout: timeout)
            return run
        }

        /// The job folders left in `$TMPDIR`.
        func jobFolders() -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: tmp)) ?? []).filter { $0.hasPrefix("sweep-job-") }
        }

        func jobs(_ name: String) throws -> [StoredJob] {
            let store = try StoreReader(path: sandbox.database)
            return try store.jobs(of: try #require(try store.sweep(named: name)).id)
        }

        /// The states of a sweep's jobs, or nil while it is not in the store.
        func states(_ name: String) -> [JobState]? {
            guard let store = try? StoreReader(path: sandbox.database),
                  let sweep = try? store.sweep(named: name) else { return nil }
            return (try? store.jobs(of: sweep.id))?.map(\.state)
        }

        /// The pid the program wrote to `name` in the sandbox, once it is there.
        func pid(in name: String) -> Int32? {
            (try? String(contentsOf: sandbox.directory.appendingPathComponent(name), encoding: .utf8))
                .flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }
    }

    /// Whether `pid` is a live process whose command line holds `marker` (a reused pid is not).
    static func isRunning(_ pid: Int32, marker: String) -> Bool {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
        return String(decoding: data, as: UTF8.self).contains(marker)
    }

    static func marker() -> String { "1\(Int.random(in: 100_000_000...999_999_999))" }

    /// A spec whose one job runs `script` with `sh -c`.
    static func shellSpec(_ name: String, _ script: String) -> String {
        let words = JSONValue.array([.string("sh"), .string("-c"), .string(script)]).canonicalText
        return #"{"name": "\#(name)", "workload": "command", "base": {"command": \#(words)}}"#
    }

    // MARK: Children that leave the process group (class 5)

    /// `setsid sleep &` then exit 0: the job is done at once, not held by the child's
    /// stdout until a timeout, and the child is gone.
    @Test func aChildThatLeftTheSessionNeitherHoldsItsJobNorOutlivesIt() throws {
        let place = try Place()
        let marker = Self.marker(), pidFile = place.sandbox.directory.appendingPathComponent("child.pid").path
        try place.sandbox.write("s.json", Self.shellSpec("s", "setsid sleep \(marker) & echo $! > '\(pidFile)'; echo 'loss: 1'"))
        let run = try place.run(["launch", "s.json"])
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        #expect(try place.jobs("s").map(\.state) == [.done])
        let child = try #require(place.pid(in: "child.pid"))
        #expect(!Self.isRunning(child, marker: marker), "the setsid child \(child) outlived its job")
        #expect(place.jobFolders().isEmpty)
    }

    /// A timed-out attempt (twice) and a cancelled one: what the program started outside
    /// its group dies with it, and the killed attempts' folders are removed.
    @Test func aTimedOutOrCancelledJobLeavesNoChildAndNoFolder() throws {
        let place = try Place()
        let marker = Self.marker(), pidFile = place.sandbox.directory.appendingPathComponent("child.pid").path
        let script = "setsid sleep \(marker) & echo $! >> '\(pidFile)'; exec sleep 1000"
        try place.sandbox.write("t.json", Self.shellSpec("t", script))
        let timedOut = try place.run(["launch", "t.json", "--timeout", "2", "--max-attempts", "2"])
        #expect(timedOut.status == 1, "\(timedOut.stdout)\n\(timedOut.stderr)")
        let job = try #require(try place.jobs("t").first)
        #expect(job.state == .failed && job.attempts == 2 && (job.error ?? "").contains("timed out"), "\(job)")

        try place.sandbox.write("c.json", Self.shellSpec("c", script.replacingOccurrences(of: "sleep 1000", with: "sleep 1001")))
        let launch = try place.start(["launch", "c.json"])
        #expect(place.sandbox.waitUntil(timeout: 60) { place.states("c") == [.running] && place.jobFolders().count == 1 })
        #expect(try place.run(["cancel", "c"]).status == 0)
        Thread.sleep(forTimeInterval: 0.5)  // the first cancel drains, the second cancels
        #expect(try place.run(["cancel"]).status == 0)
        launch.wait(timeout: 60)
        #expect(try place.jobs("c").first?.state == .cancelled)

        let children = try String(contentsOfFile: pidFile, encoding: .utf8).split(separator: "\n").compactMap { Int32($0) }
        #expect(children.count == 3)
        #expect(place.sandbox.waitUntil(timeout: 30) { !children.contains { Self.isRunning($0, marker: marker) } },
                "setsid children left running: \(children)")
        #expect(place.jobFolders().isEmpty, "\(place.jobFolders())")
    }

    /// kill -9 of the coordinator: its local worker ends the runner, the program and its
    /// escaped child, and removes the folder.
    @Test func aCoordinatorKilledMidJobLeavesNoChildAndNoFolder() throws {
        let place = try Place()
        let marker = Self.marker(), pidFile = place.sandbox.directory.appendingPathComponent("child.pid").path
        try place.sandbox.write("k.json", Self.shellSpec("k", "setsid sleep \(marker) & echo $! > '\(pidFile)'; exec sleep 1000"))
        let launch = try place.start(["launch", "k.json"])
        #expect(place.sandbox.waitUntil(timeout: 60) { place.pid(in: "child.pid") != nil && place.jobFolders().count == 1 })
        kill(launch.process.processIdentifier, SIGKILL)
        launch.wait(timeout: 30)
        #expect(place.sandbox.waitForNoLeftovers(timeout: 30).isEmpty)
        let child = try #require(place.pid(in: "child.pid"))
        #expect(!Self.isRunning(child, marker: marker))
        #expect(place.jobFolders().isEmpty, "\(place.jobFolders())")
    }

    /// A worker killed mid-job (a lost host): the attempt is lost, the host reconnected,
    /// and the lost attempt's folder is removed by a worker that finds it abandoned.
    @Test func aLostWorkersAbandonedFolderIsRemoved() throws {
        let place = try Place()
        let first = place.sandbox.directory.appendingPathComponent("first").path
        try place.sandbox.write("w.json", Self.shellSpec("w", "if [ -e '\(first)' ]; then echo 'loss: 1'; else touch '\(first)'; exec sleep 1000; fi"))
        let launch = try place.start(["launch", "w.json"])
        var workers: [Int32] = []
        #expect(place.sandbox.waitUntil(timeout: 60) {
            workers = place.sandbox.leftoverProcesses().filter { pid in
                let argv = (FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") ?? Data()).split(separator: 0)
                return argv.count > 1 && String(decoding: argv[1], as: UTF8.self) == "worker"
            }
            // The first attempt is in its sleep (it made `first`): killed earlier, a runner
            // that had not yet started the program could start it after the rerun began.
            return workers.count == 1 && place.jobFolders().count == 1 && FileManager.default.fileExists(atPath: first)
        })
        kill(workers[0], SIGKILL)
        launch.wait(timeout: 90)
        #expect(launch.status == 0, "\(launch.stdout)\n\(launch.stderr)")
        #expect(try place.jobs("w").map(\.state) == [.done])
        #expect(place.sandbox.waitForNoLeftovers(timeout: 30).isEmpty)
        #expect(place.jobFolders().isEmpty, "\(place.jobFolders())")
    }

    // MARK: Files that are not regular files (class 4)

    /// A FIFO named in `files`, or inside a folder listed there, or a socket, is refused at
    /// launch and by `--dry-run`, naming it, instead of blocking on it.
    @Test func aFIFOInFilesIsRefusedNamedWithoutBlocking() throws {
        let place = try Place()
        try FileManager.default.createDirectory(at: place.sandbox.directory.appendingPathComponent("data"), withIntermediateDirectories: true)
        try place.sandbox.write("train.sh", "echo 'loss: 1'\n")
        #expect(mkfifo(place.sandbox.directory.appendingPathComponent("pipe").path, 0o600) == 0)
        #expect(mkfifo(place.sandbox.directory.appendingPathComponent("data/inner").path, 0o600) == 0)
        // A Unix socket's file stays after its process ends.
        let socketPath = place.sandbox.directory.appendingPathComponent("data/socket").path
        try Program.run("/usr/bin/env", ["python3", "-c", "import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])", socketPath])
            .succeeded()
        for (files, named, kind) in [(#"["train.sh", "pipe"]"#, "\"pipe\"", "FIFO"), (#"["train.sh", "data"]"#, "\"data/inner\"", "FIFO"),
                                     (#"["train.sh", "data/socket"]"#, "\"data/socket\"", "a socket")] {
            try place.sandbox.write("f.json", #"{"name": "f", "workload": "command", "base": {"command": "sh train.sh", "files": \#(files)}}"#)
            for extra in [[], ["--dry-run"]] {
                let run = try place.run(["launch", "f.json"] + extra, timeout: 60)
                #expect(run.status == 64, "\(files) \(extra): \(run.stdout)\n\(run.stderr)")
                #expect(run.stderr.contains(named) && run.stderr.contains(kind) && run.stderr.contains("not a regular file"), "\(run.stderr)")
            }
        }
        #expect(!FileManager.default.fileExists(atPath: place.sandbox.database))
    }

    /// A program that makes `$SWEEP_METRICS` a FIFO: the attempt is not held by it (the
    /// follower never blocks opening it) and the log says why nothing was read there.
    @Test func aFIFOAtTheMetricsFileDoesNotHoldTheAttempt() throws {
        let place = try Place()
        try place.sandbox.write("m.json", Self.shellSpec("m", #"mkfifo "$SWEEP_METRICS" && sleep 1 && echo 'loss: 1'"#))
        let run = try place.run(["launch", "m.json"])
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        let job = try #require(try place.jobs("m").first)
        #expect(job.state == .done)
        let logs = try StoreReader(path: place.sandbox.database).logs(of: job.id).map(\.line)
        #expect(logs.contains { $0.contains("$SWEEP_METRICS is a FIFO (named pipe), not a regular file") }, "\(logs)")
    }

    // MARK: The file cache (class 4: hash what you copy, verify on use)

    /// An entry of `~/.cache/sweep/files` changed by hand is found at the next launch, said,
    /// and made again from the file.
    @Test func aCorruptCacheEntryIsDetectedAndRepairedAtTheNextLaunch() throws {
        let place = try Place()
        let script = "echo 'loss: 1'\n"
        try place.sandbox.write("train.sh", script)
        try place.sandbox.write("c.json", #"{"name": "c", "workload": "command", "base": {"command": "sh train.sh", "files": ["train.sh"]}}"#)
        #expect(try place.run(["launch", "c.json"]).status == 0)
        let sha = Digest.sha256Hex(Array(script.utf8))
        let entry = place.home + "/.cache/sweep/files/" + sha
        #expect(FileManager.default.fileExists(atPath: entry))
        chmod(entry, 0o600)
        try "echo 'loss: 666'\n".write(toFile: entry, atomically: false, encoding: .utf8)

        let again = try place.run(["launch", "c.json"])
        #expect(again.status == 0, "\(again.stdout)\n\(again.stderr)")
        #expect(again.stderr.contains("cached copy of train.sh") && again.stderr.contains("does not match its hash"), "\(again.stderr)")
        #expect(try Digest.sha256Hex(fileAtPath: entry) == sha, "the entry was made again from the file")
        let cached = try FileManager.default.contentsOfDirectory(atPath: place.home + "/.cache/sweep/files")
        #expect(cached == [sha], "no temporary or mismatched entry is left: \(cached)")
    }

    // MARK: --dry-run (class 7: write only where asked)

    /// `--dry-run` of a command spec with files writes nothing: not the file cache (under
    /// `$HOME` or `$XDG_CACHE_HOME`), not `$TMPDIR`, not the store, not the spec's folder.
    @Test func aDryRunWritesNothing() throws {
        let place = try Place()
        let spec = place.sandbox.directory.appendingPathComponent("spec")
        try FileManager.default.createDirectory(at: spec, withIntermediateDirectories: true)
        try place.sandbox.write("spec/train.sh", "echo 'loss: 1'\n")
        try place.sandbox.write("spec/d.json", #"{"name": "d", "workload": "command", "base": {"command": "sh train.sh", "files": ["train.sh"]}, "seeds": 3}"#)
        let database = place.sandbox.directory.appendingPathComponent("fresh/sweep.sqlite").path
        let run = try place.sandbox.start(["launch", "spec/d.json", "--dry-run", "--db", database],
                                          environment: place.environment.merging(["XDG_CACHE_HOME": place.home + "/xdg"]) { $1 })
        run.wait(timeout: 60)
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        #expect(run.stdout.contains("3 jobs") || run.stdout.split(separator: "\n").count >= 3, "\(run.stdout)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: place.home).isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: place.tmp).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: place.sandbox.directory.appendingPathComponent("fresh").path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: spec.path).sorted() == ["d.json", "train.sh"])
    }

    // MARK: Configs and command lines past the kernel's limits (class 1)

    /// 2,000 files make a manifest of more than the 128 KiB one environment string may hold:
    /// the program still starts and reads the config from `$SWEEP_CONFIG_FILE`; a small
    /// config is in both, the same.
    @Test func aConfigOfTwoThousandFilesReachesTheProgramThroughItsConfigFile() throws {
        let place = try Place()
        let data = place.sandbox.directory.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        for i in 0..<2_000 { try "\(i)\n".write(to: data.appendingPathComponent(String(format: "file-%04d.txt", i)), atomically: false, encoding: .utf8) }
        try place.sandbox.write("read.py", """
            import json, os
            config = json.load(open(os.environ["SWEEP_CONFIG_FILE"]))
            print("files:", len(config["files"]))
            variable = os.environ.get("SWEEP_CONFIG")
            print("in_variable:", int(variable is not None))
            if variable is not None:
                print("same:", int(json.loads(variable) == config))
            """)
        try place.sandbox.write("b.json", """
            {"name": "b", "workload": "command", "base": {"command": "python3 read.py"},
             "grid": {"files": [["read.py"], ["read.py", "data"]]}}
            """)
        let run = try place.run(["launch", "b.json"], timeout: 300)
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        let store = try StoreReader(path: place.sandbox.database)
        var seen: [[String: Double]] = []
        for job in try place.jobs("b") {
            #expect(job.state == .done, "\(job.error ?? "")")
            seen.append(Dictionary(try store.metrics(of: job.id).map { ($0.name, $0.value) }) { $1 })
            if (job.config["files"]?.arrayValue?.count ?? 0) > 1 {
                let logs = try store.logs(of: job.id).map(\.line)
                #expect(logs.contains { $0.contains("it is only in $SWEEP_CONFIG_FILE") }, "\(logs.prefix(5))")
            }
        }
        #expect(seen.contains(["files": 1, "in_variable": 1, "same": 1]), "\(seen)")
        #expect(seen.contains(["files": 2_001, "in_variable": 0]), "\(seen)")
    }

    /// One argument over 128 KiB, or a command line over ARG_MAX, is refused at launch
    /// (exit 64) with the reason, not at run time with "Argument list too long".
    @Test func aCommandLinePastTheKernelsLimitsIsRefusedAtLaunch() throws {
        let place = try Place()
        let big = String(repeating: "a", count: 200_000)
        try place.sandbox.write("w.json", #"{"name": "w", "workload": "command", "base": {"command": ["echo", "{big}"], "big": "\#(big)"}}"#)
        let word = try place.run(["launch", "w.json"])
        #expect(word.status == 64, "\(word.stderr)")
        #expect(word.stderr.contains("word 2 of the command is 195 KiB") && word.stderr.contains("128 KiB"), "\(word.stderr.suffix(400))")

        let count = sysconf(Int32(_SC_ARG_MAX)) / 100_000 + 2
        let words = (["\"echo\""] + Array(repeating: "\"{mid}\"", count: count)).joined(separator: ", ")
        let mid = String(repeating: "m", count: 100_000)
        try place.sandbox.write("t.json", #"{"name": "t", "workload": "command", "base": {"command": [\#(words)], "mid": "\#(mid)"}}"#)
        let total = try place.run(["launch", "t.json"])
        #expect(total.status == 64, "\(total.stderr.suffix(400))")
        #expect(total.stderr.contains("add up to") && total.stderr.contains("ARG_MAX"), "\(total.stderr.suffix(400))")
        #expect(!FileManager.default.fileExists(atPath: place.sandbox.database))
    }
}
