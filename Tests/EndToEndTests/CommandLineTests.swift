import Foundation
import SweepCore
import SweepStore
import Testing

/// Exit codes and output streams of the command line: usage errors are 64 with a usage
/// line, runtime failures 1 without one, and `--json` output is JSON alone.
@Suite struct CommandLineTests {
    static let badDurations: [[String]] = [
        ["--host-grace", "nan"], ["--host-grace", "inf"], ["--host-grace", "-30"], ["--host-grace", "1e300"],
        ["--timeout", "nan"], ["--timeout", "inf"], ["--timeout", "-1"], ["--timeout", "0"],
    ]

    @Test(arguments: badDurations)
    func aDurationThatIsNotAFiniteNumberOfSecondsIsAUsageError(_ option: [String]) throws {
        let sandbox = try SweepSandbox()
        try sandbox.write("p.json", #"{"name": "p", "workload": "probe", "base": {"epochs": 1}}"#)
        let run = try sandbox.run(["launch", "p.json"] + option)
        #expect(run.status == 64, "\(option): \(run.stderr)")
        #expect(run.stderr.contains(option[0]))
        #expect(!FileManager.default.fileExists(atPath: sandbox.database), "nothing is written")
    }

    static let negativeNumbers: [[String]] = [
        ["--timeout", "-5"], ["--host-grace", "-30"], ["--local-slots", "-1"], ["--max-attempts", "-2"],
        ["--quarantine-after", "-1"], ["--max-jobs", "-3"],
    ]

    /// ArgumentParser takes `-5` for an option ("Missing value for '--timeout'"): a negative
    /// number reaches the option's own check, which says what it must be.
    @Test(arguments: negativeNumbers)
    func aNegativeNumberIsRefusedForWhatItIs(_ option: [String]) throws {
        let sandbox = try SweepSandbox()
        try sandbox.write("p.json", #"{"name": "p", "workload": "probe", "base": {"epochs": 1}}"#)
        let run = try sandbox.run(["launch", "p.json"] + option)
        #expect(run.status == 64, "\(option): \(run.stderr)")
        #expect(!run.stderr.contains("Missing value"), "\(run.stderr)")
        #expect(run.stderr.contains("\(option[0]) must be") && run.stderr.contains("not \(option[1])"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: sandbox.database), "nothing is written")
    }

    @Test func statusWithAMetricNoJobReportedNamesItAndTheKnownOnes() throws {
        let sandbox = try SweepSandbox()
        try sandbox.write("m.json", #"{"name": "m", "workload": "probe", "base": {"epochs": 2}}"#)
        #expect(try sandbox.run(["launch", "m.json", "--local-slots", "1"]).status == 0)
        let typo = try sandbox.run(["status", "m", "--metric", "los"])
        #expect(typo.status == 64, "\(typo.stdout)\n\(typo.stderr)")
        #expect(typo.stderr.contains(#"--metric: unknown metric "los"; did you mean "loss"?"#), "\(typo.stderr)")
        let unknown = try sandbox.run(["status", "m", "--metric", "zzz"])
        #expect(unknown.status == 64)
        #expect(unknown.stderr.contains(#"unknown metric "zzz"; expected one of acc, loss"#), "\(unknown.stderr)")
        let known = try sandbox.run(["status", "m", "--metric", "acc"])
        #expect(known.status == 0, "\(known.stderr)")
    }

    /// `sweep worker --broadcast-copy` removes its own executable, and only srun --bcast's copy
    /// for this Slurm job (`/tmp/slurm_bcast_JOB.STEP_NODE`): any other name, folder or job is
    /// refused with the expected form, and the file stays.
    @Test func aWorkerRemovesOnlyTheBroadcastCopyOfItsOwnSlurmJob() throws {
        let sandbox = try SweepSandbox()
        let job = String(UInt32.random(in: 1_000_000...4_000_000_000))
        let elsewhere = sandbox.directory.appendingPathComponent("slurm_bcast_\(job).0_n1").path
        let otherJob = "/tmp/slurm_bcast_\(job)9.0_n1"
        let own = "/tmp/slurm_bcast_\(job).0_n1"
        defer { for path in [otherJob, own] { try? FileManager.default.removeItem(atPath: path) } }
        for path in [elsewhere, otherJob, own] { try FileManager.default.copyItem(atPath: SweepSandbox.binary.path, toPath: path) }
        for path in [elsewhere, otherJob] {
            let run = try sandbox.start(["worker", "--broadcast-copy"], environment: ["SLURM_JOB_ID": job],
                                        executable: URL(fileURLWithPath: path))
            run.wait(timeout: 60)
            #expect(run.status == 1, "\(run.stderr)")
            #expect(run.stderr.contains("is not srun --bcast's copy for this Slurm job (/tmp/slurm_bcast_<SLURM_JOB_ID>.<step>_<node>)"),
                    "\(run.stderr)")
            #expect(FileManager.default.fileExists(atPath: path))
        }
        // Its own copy: removed, and the worker runs (its input ends at once, so it exits 0).
        let run = try sandbox.start(["worker", "--broadcast-copy"], environment: ["SLURM_JOB_ID": job], executable: URL(fileURLWithPath: own))
        run.wait(timeout: 60)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: own))
    }

    @Test func aRuntimeFailureExitsOneWithoutAUsageLine() throws {
        let sandbox = try SweepSandbox()
        let run = try sandbox.run(["cancel"])
        #expect(run.status == 1)
        #expect(run.stderr.contains("no coordinator is running"))
        #expect(!run.stderr.contains("Usage:"))
    }

    @Test func aMisspeltCommandGetsADidYouMeanAndRuntimeErrorsNoUsageLine() throws {
        let sandbox = try SweepSandbox()
        let typo = try sandbox.run(["lauch", "x.json"])
        #expect(typo.status == 64)
        #expect(typo.stderr.contains(#"unknown command 'lauch'; did you mean "launch"?"#), "\(typo.stderr)")
        try sandbox.write("p.json", #"{"name": "p", "workload": "probe", "base": {"epochs": 1}}"#)
        #expect(try sandbox.run(["launch", "p.json"]).status == 0)
        for arguments in [["status", "nosuch"], ["logs", "99999"], ["rm", "nosuch"], ["report", "nosuch"]] {
            let run = try sandbox.run(arguments)
            #expect(run.status != 0, "\(arguments)")
            #expect(run.stderr.hasPrefix("Error: "), "\(arguments): \(run.stderr)")
            #expect(!run.stderr.contains("Usage:"), "\(arguments): \(run.stderr)")
        }
        let removed = try sandbox.run(["rm", "p"])
        #expect(removed.status == 0)
        #expect(!removed.stdout.contains("sweep rm p --purge"), "a hint naming the removed sweep cannot work: \(removed.stdout)")
    }

    @Test func twoSpecFilesWithOneNameWarnBeforeTheSecondReplacesTheFirstsJobs() throws {
        let sandbox = try SweepSandbox()
        try sandbox.write("a.json", #"{"name": "same", "workload": "probe", "base": {"epochs": 1}, "grid": {"value": [1, 2]}}"#)
        try sandbox.write("b.json", #"{"name": "same", "workload": "probe", "base": {"epochs": 1}, "grid": {"value": [3]}}"#)
        let first = try sandbox.run(["launch", "a.json"])
        #expect(first.status == 0 && !first.stderr.contains("warning"), "\(first.stderr)")
        let again = try sandbox.run(["launch", "a.json", "--dry-run"])
        #expect(!again.stderr.contains("warning"), "the same file again is a relaunch: \(again.stderr)")
        let second = try sandbox.run(["launch", "b.json", "--dry-run"])
        #expect(second.stderr.contains(#"warning: sweep "same" in sweep.sqlite was launched from a.json; launching b.json makes a new revision"#),
                "\(second.stderr)")
    }

    @Test func afterASweepEndsItsHostsAreNotCalledInterrupted() throws {
        let sandbox = try SweepSandbox()
        try sandbox.write("p.json", #"{"name": "p", "workload": "probe", "base": {"epochs": 1}}"#)
        #expect(try sandbox.run(["launch", "p.json"]).status == 0)
        let status = try sandbox.run(["status", "p"])
        #expect(status.stdout.contains("host local: not running (the sweep ended; was up)"), "\(status.stdout)")
        #expect(!status.stdout.contains("interrupted"), "\(status.stdout)")
        let json = try sandbox.run(["status", "p", "--json"])
        #expect(json.stdout.contains(#""state":"not_running""#) && json.stdout.contains(#""interrupted":false"#), "\(json.stdout)")
    }

    @Test func benchDispatchWithJSONPrintsOnlyJSONOnStdout() throws {
        let sandbox = try SweepSandbox()
        let run = try sandbox.run(["bench", "dispatch", "--jobs", "4", "--slots", "2", "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let value = try JSONParser.parse(run.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(value["jobs"]?.doubleValue == 4)
        #expect(run.stderr.contains("sweep bench (revision 1): 4 jobs"), "the run's own lines go to stderr")
    }
}
