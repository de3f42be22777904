import Foundation
import SweepCore
import SweepStore
import Testing

/// The `command` workload through the real binary: Python scripts as the user's programs.
@Suite struct CommandSweepTests {
    /// Runs `sweep ARGS` with the sandbox as `$HOME`, so the file cache starts empty.
    @discardableResult
    func sweep(_ sandbox: SweepSandbox, _ arguments: [String], timeout: Double = 120) throws -> Run {
        let run = try sandbox.start(arguments, environment: ["HOME": sandbox.directory.path])
        run.wait(timeout: timeout)
        return run
    }

    func jobs(_ sandbox: SweepSandbox, sweep name: String) throws -> [StoredJob] {
        let store = try StoreReader(path: sandbox.database)
        return try store.jobs(of: try #require(try store.sweep(named: name)).id)
    }

    func metrics(_ sandbox: SweepSandbox, job: Int64) throws -> [String: Double] {
        let store = try StoreReader(path: sandbox.database)
        return Dictionary(try store.metrics(of: job).map { ("\($0.epoch)/\($0.name)", $0.value) }) { $1 }
    }

    static let trainScript = """
        import json, os, sys
        lr, width = float(sys.argv[1]), int(sys.argv[2])
        seed = int(os.environ["SWEEP_SEED"])
        config = json.loads(os.environ["SWEEP_CONFIG"])
        fresh = not os.path.exists("marker")
        open("marker", "w").write("x")
        for epoch in (1, 2):
            print(f"epoch: {epoch}")
            print(f"loss: {lr * epoch + seed}")
            print("an ordinary line: not a metric")
        print(json.dumps({"step": 3, "width": width, "model_depth": config["model"]["depth"]}))
        print(f"key8: {int(os.environ['SWEEP_JOB'][:8], 16)}")
        print(f"attempt: {os.environ['SWEEP_ATTEMPT']}")
        print(f"fresh: {int(fresh)}")
        with open(os.environ["SWEEP_METRICS"], "a") as f:
            f.write(json.dumps({"epoch": 4, "from_file": lr}) + "\\n")
        out = os.environ["SWEEP_OUTPUT"]
        os.makedirs(out + "/sub", exist_ok=True)
        open(out + "/model.txt", "w").write(f"lr={lr} seed={seed}")
        open(out + "/sub/curve.csv", "w").write("epoch,loss\\n" * 50000)
        """

    @Test func aPythonScriptSweptLocallyRecordsExactlyTheMetricsItPrints() throws {
        let sandbox = try SweepSandbox()
        try sandbox.write("train.py", Self.trainScript)
        try sandbox.write("c.json", """
            {"name": "c", "workload": "command",
             "base": {"command": "python3 train.py {lr} {width}", "files": ["train.py"], "model": {"depth": 3}, "width": 64},
             "grid": {"lr": [0.5, 0.25]}, "seeds": 2}
            """)
        let run = try sweep(sandbox, ["launch", "c.json", "--local-slots", "2"])
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        let stored = try jobs(sandbox, sweep: "c")
        #expect(stored.count == 4)
        for job in stored {
            #expect(job.state == .done, "\(job.error ?? "")")
            let lr = try #require(job.config["lr"]?.doubleValue), seed = Double(job.config.int("seed"))
            let expected: [String: Double] = [
                "1/loss": lr + seed, "2/loss": 2 * lr + seed, "3/width": 64, "3/model_depth": 3,
                "3/key8": Double(try #require(Int(job.key.prefix(8), radix: 16))), "3/attempt": 1, "3/fresh": 1,
                "4/from_file": lr,
            ]
            #expect(try metrics(sandbox, job: job.id) == expected)
            // The file's content hash is part of the config, so of the key.
            let files = try #require(job.config["files"]?.arrayValue)
            let sha = Digest.sha256Hex(Array(Self.trainScript.utf8))
            #expect(files.first?["sha256"]?.stringValue == sha && files.first?["path"]?.stringValue == "train.py")
        }
        // $SWEEP_OUTPUT came back beside the database, per job and attempt, listed by sweep logs.
        for job in stored {
            let folder = sandbox.directory.appendingPathComponent("sweep-outputs/job-\(job.id)/attempt-1")
            let model = try String(contentsOf: folder.appendingPathComponent("model.txt"), encoding: .utf8)
            #expect(model == "lr=\(job.config["lr"]?.doubleValue ?? 0) seed=\(job.config.int("seed"))")
            let curve = FileManager.default.contents(atPath: folder.appendingPathComponent("sub/curve.csv").path)
            #expect(curve == Data(String(repeating: "epoch,loss\n", count: 50000).utf8))
        }
        let logs = try sweep(sandbox, ["logs", "\(stored[0].id)"])
        #expect(logs.stdout.contains("an ordinary line: not a metric"), "\(logs.stdout)")
        #expect(logs.stdout.contains("attempt-1/model.txt") && logs.stdout.contains("attempt-1/sub/curve.csv  550000 bytes"), "\(logs.stdout)")
        let json = try JSONParser.parse(try sweep(sandbox, ["logs", "\(stored[0].id)", "--json"]).stdout)
        let files = try #require(json["output_files"]?.arrayValue)
        #expect(files.compactMap { $0["path"]?.stringValue } == ["attempt-1/model.txt", "attempt-1/sub/curve.csv"], "\(files)")
        #expect(files.last?["bytes"]?.intValue == 550000)
        #expect(sandbox.waitForNoLeftovers().isEmpty)
    }

    @Test func theExampleInSweepsRunsAndReports() throws {
        let sandbox = try SweepSandbox()
        let sweeps = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sweeps")
        for name in ["command-example.json", "command-example"] {
            try FileManager.default.copyItem(at: sweeps.appendingPathComponent(name), to: sandbox.directory.appendingPathComponent(name))
        }
        let run = try sweep(sandbox, ["launch", "command-example.json", "--local-slots", "2"], timeout: 300)
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        let stored = try jobs(sandbox, sweep: "command-example")
        #expect(stored.count == 18 && stored.allSatisfy { $0.state == .done || $0.state == .stopped })
        // Its ASHA rule stops slow learners: lr 0.01 is far behind at the first rung (a job that
        // printed its last epoch before the stop landed is done, which a busy machine may allow).
        #expect(stored.contains { $0.config["lr"]?.doubleValue == 0.01 && $0.state == .stopped },
                "\(stored.map { "\($0.config["lr"]?.doubleValue ?? 0) \($0.state) \($0.error ?? "")" })")
        #expect(stored.contains { $0.state == .done })
        // A done job has 20 epochs of loss and w; a large enough rate fits w = 3. A stopped one
        // has fewer.
        for job in stored {
            let rows = try metrics(sandbox, job: job.id)
            if job.state == .done {
                #expect(rows.count == 40)
                if job.config["lr"]?.doubleValue == 0.3 { #expect(abs((rows["20/w"] ?? 0) - 3) < 0.1, "\(rows)") }
            } else {
                let epoch = job.error.flatMap { $0.firstMatch(of: /stopped at epoch (\d+) by asha: loss/).map { Int($0.1)! } }
                #expect(rows.count < 40 && (epoch ?? 99) < 20, "\(job.error ?? "")")
            }
        }
        #expect(try sweep(sandbox, ["report", "command-example"]).status == 0)
    }

    @Test func aDryRunSaysWhichFileMadeTheNewJobs() throws {
        let sandbox = try SweepSandbox()
        try sandbox.write("prog.sh", "echo loss: 1\n")
        try sandbox.write("p.json", #"{"name": "p", "workload": "command", "base": {"command": "sh prog.sh {x}", "files": ["prog.sh"]}, "grid": {"x": [1, 2]}}"#)
        #expect(try sandbox.run(["launch", "p.json"]).status == 0)
        try sandbox.write("prog.sh", "echo loss: 2\n")
        let dry = try sandbox.run(["launch", "p.json", "--dry-run"])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.contains("+2 new"), "\(dry.stdout)")
        #expect(dry.stdout.range(of: #"new because prog\.sh changed \(sha [0-9a-f]{4} -> [0-9a-f]{4}\)"#, options: .regularExpression) != nil,
                "\(dry.stdout)")
    }

    @Test func aFailingProgramFailsItsJobOnceWithItsStatusAndStderr() throws {
        let sandbox = try SweepSandbox()
        try sandbox.write("fail.py", "import sys\nprint('loss: 1')\nprint('the data is broken', file=sys.stderr)\nsys.exit(3)\n")
        try sandbox.write("f.json", """
            {"name": "f", "workload": "command", "base": {"command": ["python3", "fail.py"], "files": ["fail.py"]}}
            """)
        let run = try sweep(sandbox, ["launch", "f.json", "--max-attempts", "3"])
        #expect(run.status == 1, "\(run.stdout)\n\(run.stderr)")
        let job = try #require(try jobs(sandbox, sweep: "f").first)
        #expect(job.state == .failed)
        #expect(job.attempts == 1, "a program's own failure is not retried")
        let error = job.error ?? ""
        #expect(error.contains("exited with status 3") && error.contains("the data is broken"), "\(error)")
        #expect(try metrics(sandbox, job: job.id) == ["0/loss": 1])
    }

    @Test func aProgramThatCannotStartSaysWhyOnce() throws {
        let sandbox = try SweepSandbox()
        try sandbox.write("run.sh", "echo never\n")  // not executable
        try sandbox.write("x.json", """
            {"name": "x", "workload": "command", "base": {"command": "./run.sh", "files": ["run.sh"]}}
            """)
        let run = try sweep(sandbox, ["launch", "x.json"])
        #expect(run.status == 1, "\(run.stdout)\n\(run.stderr)")
        let error = try #require(try jobs(sandbox, sweep: "x").first?.error)
        #expect(error == "command: cannot start ./run.sh: Permission denied", "\(error)")
    }

    /// A chatty program (10 MB of stdout, 4 MB of stderr, 1,001 metric names an epoch):
    /// the stored log keeps the first and last part of each stream within its cap, says
    /// how much it dropped, warns once about the names, and `logs` cuts long entries.
    @Test func aChattyProgramsLogIsBoundedSayingWhatWasDropped() throws {
        let sandbox = try SweepSandbox()
        try sandbox.write("chatty.py", """
            import sys
            for i in range(5000):
                print(f"{i} " + "o" * 2000)
            for i in range(200):
                print(f"e{i} " + "e" * 20000, file=sys.stderr)
            for epoch in (1, 2):
                print(f"epoch: {epoch}")
                for i in range(1001):
                    print(f"m{i}: {epoch}")
            print("last line " + "z" * 300)
            """)
        try sandbox.write("c.json", """
            {"name": "c", "workload": "command", "base": {"command": "python3 chatty.py", "files": ["chatty.py"]}}
            """)
        let run = try sweep(sandbox, ["launch", "c.json"])
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        let job = try #require(try jobs(sandbox, sweep: "c").first)
        let lines = try StoreReader(path: sandbox.database).logs(of: job.id).map(\.line)
        let bytes = lines.reduce(0) { $0 + $1.utf8.count + 1 }
        #expect(bytes <= (3 << 19) + 4096, "1 MiB of stdout and 512 KiB of stderr at most, stored \(bytes) bytes")
        #expect(lines.first == "0 " + String(repeating: "o", count: 2000))
        #expect(lines.contains { $0.hasPrefix("… 4700 more output lines (8.9 MiB) not kept: the log keeps the first 1000 lines or 512 KiB") },
                "\(lines.filter { $0.hasPrefix("…") })")
        #expect(lines.contains { $0.hasPrefix("stderr: … 174 earlier lines (3.3 MiB) not kept; the last 26:") },
                "\(lines.filter { $0.hasPrefix("stderr: …") })")
        #expect(lines.last { !$0.hasPrefix("stderr:") } == "last line " + String(repeating: "z", count: 300))
        let warnings = lines.filter { $0.contains("metric names") }
        #expect(warnings == ["command: epoch 1 had more than 1000 metric names on stdout: the names past 1000 are dropped in every epoch"],
                "\(warnings)")
        #expect(try metrics(sandbox, job: job.id).count == 2000, "1000 names in each of the 2 epochs")

        // `logs` cuts each entry at 160 characters unless --full, and says how much it cut.
        let logs = try sweep(sandbox, ["logs", "\(job.id)"]).stdout
        #expect(logs.contains("[1] last line " + String(repeating: "z", count: 145) + "…\n"), "\(logs.suffix(2000))")
        #expect(logs.contains("characters of output cut; --full shows all)"))
        #expect(logs.split(separator: "\n").filter { $0.hasPrefix("[") }.allSatisfy { $0.count <= 160 }, "every entry is cut")
        let full = try sweep(sandbox, ["logs", "\(job.id)", "--full"]).stdout
        #expect(full.contains("[1] last line " + String(repeating: "z", count: 300) + "\n") && !full.contains("output cut;"))
    }

    @Test func anOutputFolderPastTheCapBringsBackWhatFitsAndSaysWhatNot() throws {
        let sandbox = try SweepSandbox()
        try sandbox.write("big.py", """
            import os
            out = os.environ["SWEEP_OUTPUT"]
            with open(out + "/big.bin", "wb") as f:
                f.truncate(\(JobOutput.maxBytes + 1))
            open(out + "/small.txt", "w").write("kept")
            os.symlink("/etc/passwd", out + "/link")
            """)
        try sandbox.write("o.json", """
            {"name": "o", "workload": "command", "base": {"command": "python3 big.py", "files": ["big.py"]}}
            """)
        let run = try sweep(sandbox, ["launch", "o.json"])
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        let job = try #require(try jobs(sandbox, sweep: "o").first)
        let folder = sandbox.directory.appendingPathComponent("sweep-outputs/job-\(job.id)/attempt-1")
        #expect(try String(contentsOf: folder.appendingPathComponent("small.txt"), encoding: .utf8) == "kept")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("big.bin").path))
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("link").path))
        let logs = try StoreReader(path: sandbox.database).logs(of: job.id).map(\.line)
        #expect(logs.contains { $0.contains("1 output files not returned") }, "\(logs)")
    }

    @Test func metricsAreLiveWhileTheProgramRunsFromStdoutAndFromItsMetricsFile() throws {
        let sandbox = try SweepSandbox()
        let marker = sandbox.directory.appendingPathComponent("go-on").path
        try sandbox.write("live.py", """
            import json, os, sys, time
            print("epoch: 1\\nloss: 0.5", flush=True)
            with open(os.environ["SWEEP_METRICS"], "a") as f:
                f.write(json.dumps({"epoch": 1, "acc": 0.75}) + "\\n")
            print("epoch: 2", flush=True)  # ends epoch 1 on stdout
            for _ in range(600):  # until the test has seen both metrics in the store
                if os.path.exists("\(marker)"):
                    sys.exit(0)
                time.sleep(0.1)
            sys.exit(5)
            """)
        try sandbox.write("l.json", """
            {"name": "l", "workload": "command", "base": {"command": "python3 live.py", "files": ["live.py"]}}
            """)
        let run = try sandbox.start(["launch", "l.json"], environment: ["HOME": sandbox.directory.path])
        let seen = sandbox.waitUntil(timeout: 50) {
            guard let store = try? StoreReader(path: sandbox.database),
                  let sweep = try? store.sweep(named: "l"), let job = try? store.jobs(of: sweep.id).first,
                  let rows = try? store.metrics(of: job.id) else { return false }
            return Set(rows.map { "\($0.epoch)/\($0.name)=\($0.value)" }) == ["1/loss=0.5", "1/acc=0.75"]
        }
        #expect(seen, "the metrics were not in the store while the program ran")
        _ = FileManager.default.createFile(atPath: marker, contents: nil)
        run.wait(timeout: 60)
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
    }

    @Test func aProgramKilledByASignalIsRetried() throws {
        let sandbox = try SweepSandbox()
        try sandbox.write("crash.py", """
            import os, signal
            if os.environ["SWEEP_ATTEMPT"] == "1":
                os.kill(os.getpid(), signal.SIGKILL)
            print("loss: 1")
            """)
        try sandbox.write("s.json", """
            {"name": "s", "workload": "command", "base": {"command": "python3 crash.py", "files": ["crash.py"]}}
            """)
        let run = try sweep(sandbox, ["launch", "s.json", "--max-attempts", "2"])
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        let job = try #require(try jobs(sandbox, sweep: "s").first)
        #expect(job.state == .done && job.attempts == 2)
        let attempts = try StoreReader(path: sandbox.database).attempts(of: job.id)
        #expect(attempts.first?.status == .failed && attempts.first?.error?.contains("SIGKILL") == true, "\(attempts)")
    }

    @Test func aPlaceholderTypoOrABadFileIsRefusedAtLaunchWithItsPosition() throws {
        let sandbox = try SweepSandbox()
        try sandbox.write("train.py", "print('loss: 1')\n")
        try sandbox.write("t.json", """
            {"name": "t", "workload": "command", "base": {"command": "python3 train.py --lr {lrr}", "files": ["train.py"]},
             "grid": {"lr": [0.1, 0.2]}}
            """)
        let typo = try sweep(sandbox, ["launch", "t.json"])
        #expect(typo.status == 64)
        #expect(typo.stderr.contains("t.json:1:") && typo.stderr.contains("{lrr}") && typo.stderr.contains("word 4"), "\(typo.stderr)")
        for (files, expected) in [("\"../x.py\"", "leaves the spec's folder"), ("\"/etc/passwd\"", "leaves the spec's folder"),
                                  ("\"missing.py\"", "does not exist")] {
            try sandbox.write("b.json", """
                {"name": "b", "workload": "command", "base": {"command": "python3 train.py", "files": [\(files)]}}
                """)
            let bad = try sweep(sandbox, ["launch", "b.json"])
            #expect(bad.status == 64 && bad.stderr.contains("files") && bad.stderr.contains(expected), "\(files): \(bad.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: sandbox.database), "nothing is written for a refused spec")
    }

    @Test func editingAFileMakesNewJobsAndAnUnchangedOneIsNeverRerun() throws {
        let sandbox = try SweepSandbox()
        try sandbox.write("a.json", """
            {"name": "a", "workload": "command", "base": {"command": "python3 train.py", "files": ["train.py"]}, "seeds": 2}
            """)
        try sandbox.write("train.py", "print('loss: 1')\n")
        #expect(try sweep(sandbox, ["launch", "a.json"]).status == 0)
        let first = try jobs(sandbox, sweep: "a")

        try sandbox.write("train.py", "print('loss: 2')\n")
        let edited = try sweep(sandbox, ["launch", "a.json"])
        #expect(edited.status == 0 && edited.stdout.contains("ran 2"), "\(edited.stdout)")
        let second = try jobs(sandbox, sweep: "a")
        #expect(Set(second.map(\.key)).isDisjoint(with: first.map(\.key)))
        #expect(try metrics(sandbox, job: second[0].id) == ["0/loss": 2])

        try sandbox.write("train.py", "print('loss: 1')\n")
        let unchanged = try sweep(sandbox, ["launch", "a.json"])
        #expect(unchanged.status == 0 && !unchanged.stdout.contains("ran "), "nothing reruns: \(unchanged.stdout)")
        #expect(try jobs(sandbox, sweep: "a").map(\.key) == first.map(\.key))
        let store = try StoreReader(path: sandbox.database)
        for job in first { #expect(try store.attempts(of: job.id).count == 1) }
    }

    /// The spec's own folder as `files`: the database beside the spec, hidden folders and
    /// sweep's outputs are left out, so a relaunch gives the same keys and reruns nothing.
    @Test func theSpecsFolderAsFilesShipsTheProgramButNotTheStore() throws {
        let sandbox = try SweepSandbox()
        for folder in ["exp/.git", "exp/sweep-outputs"] {
            try FileManager.default.createDirectory(at: sandbox.directory.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        try sandbox.write("exp/dot.json", """
            {"name": "dot", "workload": "command", "base": {"command": "python3 train.py", "files": ["."]}}
            """)
        try sandbox.write("exp/train.py", "print('loss: 3')\n")
        try sandbox.write("exp/.git/HEAD", "ref: refs/heads/main\n")
        try sandbox.write("exp/sweep-outputs/old.txt", "x")
        let launch = ["launch", "exp/dot.json", "--db", "exp/sweep.sqlite"]
        let run = try sweep(sandbox, launch)
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        let store = try StoreReader(path: sandbox.directory.appendingPathComponent("exp/sweep.sqlite").path)
        let first = try store.jobs(of: try #require(try store.sweep(named: "dot")).id)
        let shipped = (first.first?.config["files"]?.arrayValue ?? []).compactMap { $0["path"]?.stringValue }
        #expect(shipped == ["dot.json", "train.py"], "\(shipped)")
        #expect(first.first?.state == .done, "train.py was in the job's folder")

        let again = try sweep(sandbox, launch)
        #expect(again.status == 0 && again.stdout.contains("+0 new, 1 kept (1 done), 0 dropped"), "\(again.stdout)")
    }

    @Test func aTimeoutKillsTheProgramAndItsChildrenAndChildrenLeftBehindAreKilled() throws {
        let sandbox = try SweepSandbox()
        let marker = String(Int.random(in: 100_000...999_999))
        try sandbox.write("fork.py", """
            import subprocess, sys, time
            subprocess.Popen(["sleep", "1\(marker)"])
            if sys.argv[1] == "hang":
                time.sleep(1000)
            print("loss: 2")
            """)
        try sandbox.write("k.json", """
            {"name": "k", "workload": "command", "base": {"command": "python3 fork.py {mode}", "files": ["fork.py"]},
             "grid": {"mode": ["hang", "exit"]}}
            """)
        let started = Date()
        let run = try sweep(sandbox, ["launch", "k.json", "--timeout", "3", "--max-attempts", "1", "--local-slots", "2"])
        #expect(run.status == 1, "\(run.stdout)\n\(run.stderr)")
        #expect(Date().timeIntervalSince(started) < 60)
        let byMode = Dictionary(uniqueKeysWithValues: try jobs(sandbox, sweep: "k").map { ($0.config["mode"]?.stringValue ?? "", $0) })
        #expect(byMode["exit"]?.state == .done, "a child left running must not hold the job: \(byMode["exit"]?.error ?? "")")
        #expect(byMode["hang"]?.state == .failed && (byMode["hang"]?.error ?? "").contains("timed out"))
        #expect(sandbox.waitForNoLeftovers().isEmpty, "the programs' children were left running")
    }

    @Test func aProgramPrintingAMillionLinesAndAHugeLineKeepsBoundedLogsAndEveryMetric() throws {
        let sandbox = try SweepSandbox()
        try sandbox.write("many.py", """
            import sys
            w = sys.stdout.write
            for i in range(1000000):
                w("noise %d\\n" % i)
                if i % 250000 == 0:
                    w("epoch: %d\\nloss: %d\\n" % (i // 250000, i))
            w("x" * 5000000 + "\\n")
            w("last: 7\\n")
            """)
        try sandbox.write("m.json", """
            {"name": "m", "workload": "command", "base": {"command": "python3 many.py", "files": ["many.py"]}}
            """)
        let run = try sweep(sandbox, ["launch", "m.json"], timeout: 300)
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        let job = try #require(try jobs(sandbox, sweep: "m").first)
        #expect(try metrics(sandbox, job: job.id) == ["0/loss": 0, "1/loss": 250_000, "2/loss": 500_000, "3/loss": 750_000, "3/last": 7])
        let logs = try StoreReader(path: sandbox.database).logs(of: job.id)
        #expect(logs.count <= 1_100, "\(logs.count) log lines kept")
        #expect(logs.map(\.line.utf8.count).max() ?? 0 <= 64 << 10)
        #expect(logs.contains { $0.line == "noise 999999" }, "the tail of the output is kept")
    }
}
