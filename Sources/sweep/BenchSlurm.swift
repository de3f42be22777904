import ArgumentParser
import Foundation
import SweepRemote
import SweepRuntime
import SweepSpec

extension Sweep.Bench {
    struct Slurm: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Zero-duration probe jobs through a Slurm host file's workers, end to end, beside one srun per job.",
            discussion: """
                First the sweep: `launch` of --jobs probe jobs (1 epoch, no sleep) on the host file's \
                workers only. Then the naive launcher: one `srun --ntasks=1 sweep job SPEC KEY` per job, \
                at most workers x slots at once. Both from this machine (a host file without ssh).
                """)

        @Argument(help: ArgumentHelp("A Slurm host file without ssh (Hosts/NAME.json).", valueName: "host-file"))
        var hostFile: String

        @Option(help: "Jobs to run (one per seed).") var jobs = 200
        @Flag(help: "Print JSON (only it goes to stdout).") var json = false

        func validate() throws {
            guard (1...10_000).contains(jobs) else { throw ValidationError("--jobs must be in 1...10000") }
        }

        func run() throws {
            let host = try HostFile(contentsOf: hostFile)
            guard let settings = host.slurm, !host.usesSSH else {
                throw ValidationError("\(hostFile): expected a Slurm host file without ssh (srun on this machine)")
            }
            let say: (String) -> Void = json ? { FileHandle.standardError.write(Data(($0 + "\n").utf8)) } : { print($0) }
            try withScratchDirectory { directory in
                let specPath = directory.appendingPathComponent("bench.json").path
                try #"{"name": "bench", "workload": "probe", "base": {"epochs": 1}, "seeds": \#(jobs)}"#
                    .write(toFile: specPath, atomically: true, encoding: .utf8)
                let plan = try SpecFiles.plan(specPath)
                let options = try RunOptions.parse(["--hosts", hostFile, "--local-slots", "0", "--quiet"])
                let start = Date()
                try SweepRun.launch(plan: plan, databasePath: directory.appendingPathComponent("sweep.sqlite").path,
                                    options: options, say: say)
                let sweepSeconds = Date().timeIntervalSince(start)

                // The naive launcher: a Slurm job per sweep job, as many at once as the workers' slots.
                let binary = try SelfExecutable.path()
                let parallel = settings.workers * host.slots
                let naiveStart = Date()
                var running: [ChildProcess] = []
                var failures = 0
                func reap(_ child: ChildProcess) {
                    child.forEachLine(of: .stdout) { _ in }
                    child.forEachLine(of: .stderr) { _ in }
                    if child.wait() != .exited(0) { failures += 1 }
                }
                for job in plan.jobs {
                    if running.count == parallel { reap(running.removeFirst()) }
                    let child = try ChildProcess.spawn(executable: "/usr/bin/env", arguments: [
                        "srun", "--ntasks=1", "--cpus-per-task=1", "--job-name=sweep-bench-naive",
                    ] + settings.arguments + [binary, "job", specPath, String(job.key.prefix(12))])
                    child.closeStdin()
                    running.append(child)
                }
                running.forEach(reap)
                let naiveSeconds = Date().timeIntervalSince(naiveStart)
                printResult([
                    ("jobs", Double(jobs)), ("workers", Double(settings.workers)), ("sweep_total_s", sweepSeconds),
                    ("sweep_ms_per_job", sweepSeconds * 1000 / Double(jobs)), ("srun_per_job_total_s", naiveSeconds),
                    ("srun_per_job_ms_per_job", naiveSeconds * 1000 / Double(jobs)), ("srun_failures", Double(failures)),
                ], json: json)
            }
        }
    }
}
