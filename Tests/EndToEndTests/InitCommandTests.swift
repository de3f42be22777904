import Foundation
import SweepCore
import SweepStore
import Testing

/// `sweep init --command`: a spec for the user's own program that plans and runs as written.
@Suite struct InitCommandTests {
    /// Runs `sweep ARGS` with the sandbox as `$HOME`, so the file cache is the sandbox's.
    func sweep(_ sandbox: SweepSandbox, _ arguments: [String]) throws -> Run {
        let run = try sandbox.start(arguments, environment: ["HOME": sandbox.directory.path])
        run.wait(timeout: 120)
        return run
    }

    func doneJobs(_ sandbox: SweepSandbox, sweep name: String) throws -> [StoredJob] {
        let store = try StoreReader(path: sandbox.database)
        return try store.jobs(of: try #require(try store.sweep(named: name)).id).filter { $0.state == .done }
    }

    @Test func aPythonProgramsSpecListsItsPlaceholdersAndFileThenLaunchesAsWritten() throws {
        let sandbox = try SweepSandbox()
        try sandbox.write("train.py", """
            import sys
            lr, seed = float(sys.argv[2]), int(sys.argv[4])
            for epoch in (1, 2):
                print(f"epoch: {epoch}")
                print(f"loss: {lr * epoch + seed}")

            """)
        let initRun = try sweep(sandbox, ["init", "--command", "python3 train.py --lr {lr} --seed {seed}"])
        #expect(initRun.status == 0, "\(initRun.stdout)\(initRun.stderr)")
        #expect(initRun.stdout.contains("wrote Sweeps/, Hosts/, Reports/, Sweeps/example.json, Sweeps/train.json"), "\(initRun.stdout)")
        #expect(initRun.stdout.contains("sweep train (command): 6 jobs = 3 configs x 2 seeds"), "\(initRun.stdout)")
        #expect(initRun.stdout.contains("Sweeps/train.json: a grid of {lr}; files: train.py"), "\(initRun.stdout)")
        #expect(initRun.stdout.contains("sweep launch train --dry-run; sweep launch train"), "\(initRun.stdout)")
        let spec = try String(contentsOf: sandbox.directory.appendingPathComponent("Sweeps/train.json"), encoding: .utf8)
        #expect(spec.contains(#""lr": [0.1, 0.01, 0.001]"#) && spec.contains(#""files": ["train.py"]"#), "\(spec)")

        let dry = try sweep(sandbox, ["launch", "train", "--dry-run"])
        #expect(dry.status == 0 && dry.stdout.contains("sweep train (command): 6 jobs = 3 configs x 2 seeds"), "\(dry.stdout)\(dry.stderr)")
        let launch = try sweep(sandbox, ["launch", "train", "--local-slots", "2", "--quiet"])
        #expect(launch.status == 0, "\(launch.stdout)\(launch.stderr)")
        let done = try doneJobs(sandbox, sweep: "train")
        #expect(done.count == 6)
        let store = try StoreReader(path: sandbox.database)
        for job in done {
            let lr = try #require(job.config["lr"]?.doubleValue)
            let loss = try store.metrics(of: job.id).filter { $0.epoch == 2 && $0.name == "loss" }.map(\.value)
            #expect(loss == [2 * lr + Double(job.config.int("seed"))])
        }
    }

    @Test func aShellCommandWithoutPlaceholdersRunsWithSeedsOnly() throws {
        let sandbox = try SweepSandbox()
        let initRun = try sweep(sandbox, ["init", "--command", #"sh -c 'echo "loss: $SWEEP_SEED"'"#, "--name", "shell"])
        #expect(initRun.status == 0, "\(initRun.stdout)\(initRun.stderr)")
        #expect(initRun.stdout.contains("sweep shell (command): 2 jobs = 1 configs x 2 seeds"), "\(initRun.stdout)")
        #expect(initRun.stdout.contains("no {name} placeholders, so one config; files: none found in this folder"), "\(initRun.stdout)")
        let launch = try sweep(sandbox, ["launch", "shell", "--quiet"])
        #expect(launch.status == 0, "\(launch.stdout)\(launch.stderr)")
        let store = try StoreReader(path: sandbox.database)
        let losses = try doneJobs(sandbox, sweep: "shell").flatMap { try store.metrics(of: $0.id).map(\.value) }
        #expect(losses.sorted() == [0, 1])
    }

    @Test func aShellPipelineAroundAPythonProgramShipsTheProgramAndRuns() throws {
        let sandbox = try SweepSandbox()
        try sandbox.write("fit.py", "import sys\nprint('debug: starting')\nprint(f'loss: {float(sys.argv[1]) * 2}')\n")
        let initRun = try sweep(sandbox, ["init", "--command", "sh -c 'python3 fit.py {alpha} | grep loss'"])
        #expect(initRun.status == 0, "\(initRun.stdout)\(initRun.stderr)")
        #expect(initRun.stdout.contains("Sweeps/fit.json: a grid of {alpha}; files: fit.py"), "\(initRun.stdout)")
        let launch = try sweep(sandbox, ["launch", "fit", "--local-slots", "2", "--quiet"])
        #expect(launch.status == 0, "\(launch.stdout)\(launch.stderr)")
        let store = try StoreReader(path: sandbox.database)
        let done = try doneJobs(sandbox, sweep: "fit")
        #expect(done.count == 6)
        for job in done {
            let alpha = try #require(job.config["alpha"]?.doubleValue)
            #expect(try store.metrics(of: job.id).map(\.value) == [alpha * 2])
        }
    }

    @Test func unsafeInputIsRefusedAndWritesNothingAndAnExistingSpecIsKept() throws {
        let sandbox = try SweepSandbox()
        let folder = sandbox.directory.appendingPathComponent("Sweeps").path
        for (command, message) in [("python3 train.py {a..b}", "placeholder {a..b}"),
                                   ("python3 train.py {files}", "the command workload's own parameter"),
                                   ("echo " + String(repeating: "x", count: 5_000), "more than 4096"),
                                   ("echo \u{1b}[2J {lr}", "control character U+1B")] {
            let run = try sweep(sandbox, ["init", "--command", command])
            #expect(run.status == 64 && run.stderr.contains(message), "\(run.stdout)\(run.stderr)")
            #expect(!FileManager.default.fileExists(atPath: folder))
        }
        #expect(try sweep(sandbox, ["init"]).status == 0)
        try sandbox.write("Sweeps/train.yaml", "kept")
        try sandbox.write("train.py", "")
        let again = try sweep(sandbox, ["init", "--command", "python3 train.py {lr}"])
        #expect(again.status == 1 && again.stderr.contains("Sweeps/train.yaml exists and is kept: give another name with --name"),
                "\(again.stdout)\(again.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder + "/train.json"))
        #expect(try String(contentsOfFile: folder + "/train.yaml", encoding: .utf8) == "kept")

        // Sweeps/ as a link to a folder elsewhere: nothing is written through it.
        let elsewhere = try SweepSandbox()
        let linked = try SweepSandbox()
        try FileManager.default.createSymbolicLink(atPath: linked.directory.appendingPathComponent("Sweeps").path,
                                                   withDestinationPath: elsewhere.directory.path)
        try linked.write("train.py", "")
        let through = try sweep(linked, ["init", "--command", "python3 train.py {lr}"])
        #expect(through.status == 64 && through.stderr.contains("Sweeps is a symbolic link"), "\(through.stdout)\(through.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: elsewhere.directory.path).isEmpty)
    }
}
