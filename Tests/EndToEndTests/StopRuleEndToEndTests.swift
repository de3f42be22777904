import Foundation
import SweepCore
import SweepStore
import Testing

/// Early stopping from the command line to the job's process: the coordinator stops hopeless
/// jobs, built-in workloads return at their next epoch, a `command` program gets SIGTERM and
/// its output files come back, and a stopped job is never run again.
@Suite(.serialized) struct StopRuleEndToEndTests {
    @Test func ashaStopsTheWorstProbeJobsAndResumeNeverRerunsThem() throws {
        let sandbox = try SweepSandbox()
        // acc = e / (e + value + 1): the larger the value, the worse the job at every epoch.
        try sandbox.write("s.json", """
            {"name": "s", "workload": "probe", "base": {"epochs": 20, "sleep_ms": 30},
             "grid": {"value": [0, 1, 2, 4, 8, 16, 32, 64, 128]},
             "objective": {"metric": "acc", "mode": "max"}, "stop": {"rule": "asha", "grace": 2, "reduction": 3}}
            """)
        let launch = try sandbox.run(["launch", "s.json", "--local-slots", "2"], timeout: 300)
        #expect(launch.status == 0, "\(launch.stdout)\n\(launch.stderr)")
        let store = try StoreReader(path: sandbox.database)
        let jobs = try store.jobs(of: try #require(try store.sweep(named: "s")).id)
        let byValue = Dictionary(uniqueKeysWithValues: jobs.map { ($0.config["value"]?.doubleValue ?? -1, $0) })
        #expect(byValue[0]?.state == .done, "the best job is never stopped")
        let worst = try #require(byValue[128])
        #expect(worst.state == .stopped, "\(worst.error ?? "")")
        #expect(worst.error?.contains("by asha: acc") == true, "\(worst.error ?? "")")
        let stopped = jobs.filter { $0.state == .stopped }
        #expect(jobs.allSatisfy { $0.state == .done || $0.state == .stopped })
        for job in stopped {
            let epochs = try store.metrics(of: job.id).map(\.epoch)
            #expect((epochs.max() ?? 0) < 20, "job \(job.id) ran to the end although stopped")
        }
        #expect(launch.stdout.contains("\(stopped.count) stopped early"), "\(launch.stdout)")

        let report = try sandbox.run(["report", "s"])
        #expect(report.status == 0, "\(report.stderr)")
        let markdown = try String(contentsOf: sandbox.directory.appendingPathComponent("Reports/s/report.md"), encoding: .utf8)
        #expect(markdown.range(of: #"- Compute: \d+ of 180 epochs \(\d+ %\); \#(stopped.count) jobs stopped early"#, options: .regularExpression) != nil,
                "\(markdown.prefix(800))")

        let list = try sandbox.run(["list"])
        #expect(list.stdout.contains("(+\(stopped.count) stopped)"), "\(list.stdout)")

        let status = try sandbox.run(["status", "s", "--json"])
        #expect(status.stdout.contains("\"stopped\":\(stopped.count)"), "\(status.stdout)")
        let resume = try sandbox.run(["resume", "s"])
        #expect(resume.status == 0, "\(resume.stdout)\n\(resume.stderr)")
        let afterResume = try StoreReader(path: sandbox.database)
        let after = try afterResume.jobs(of: try #require(try afterResume.sweep(named: "s")).id)
        #expect(after.filter { $0.state == .stopped }.map(\.attempts) == stopped.map(\.attempts), "resume ran a stopped job again")

        // Relaunched without a rule: the stopped jobs are kept, and said so; --rerun-stopped runs them.
        try sandbox.write("s.json", """
            {"name": "s", "workload": "probe", "base": {"epochs": 20, "sleep_ms": 30},
             "grid": {"value": [0, 1, 2, 4, 8, 16, 32, 64, 128]}}
            """)
        let relaunch = try sandbox.run(["launch", "s.json"])
        #expect(relaunch.stdout.contains("\(stopped.count) jobs stopped early by the stop rule are kept as they are; launch with --rerun-stopped"),
                "\(relaunch.stdout)")
        let rerun = try sandbox.run(["launch", "s.json", "--rerun-stopped"], timeout: 300)
        #expect(rerun.status == 0, "\(rerun.stdout)\n\(rerun.stderr)")
        #expect(rerun.stdout.contains("re-queued \(stopped.count) jobs a stop rule had ended"), "\(rerun.stdout)")
        let reopened = try StoreReader(path: sandbox.database)
        let final = try reopened.jobs(of: try #require(try reopened.sweep(named: "s")).id)
        #expect(final.allSatisfy { $0.state == .done }, "\(final.map(\.state))")
    }

    /// A stop is a decision about the sweep whose rule made it: another sweep sharing the jobs
    /// (same keys) without a stop rule runs them to the end, as new attempts, and the stopped
    /// attempts' metrics stay under their own attempt numbers; the stopping sweep, resumed,
    /// runs nothing again.
    @Test func aSweepWithoutAStopRuleRunsAJobAnotherSweepStoppedToTheEnd() throws {
        let sandbox = try SweepSandbox()
        let grid = #""workload": "probe", "base": {"epochs": 12, "sleep_ms": 20}, "grid": {"value": [0, 8, 64, 128]}"#
        try sandbox.write("a.json", """
            {"name": "a", \(grid),
             "objective": {"metric": "acc", "mode": "max"}, "stop": {"rule": "asha", "grace": 2, "reduction": 2}}
            """)
        try sandbox.write("b.json", "{\"name\": \"b\", \(grid)}")
        let first = try sandbox.run(["launch", "a.json", "--local-slots", "1"], timeout: 300)
        #expect(first.status == 0, "\(first.stdout)\n\(first.stderr)")
        let store = try StoreReader(path: sandbox.database)
        let a = try #require(try store.sweep(named: "a"))
        let stopped = try store.jobs(of: a.id).filter { $0.state == .stopped }
        try #require(!stopped.isEmpty, "asha stopped nothing: \(first.stdout)")
        let decisions = try store.stopDecisions(of: a.id)
        #expect(Set(decisions.keys) == Set(stopped.map(\.id)))
        for job in stopped {
            let decision = try #require(decisions[job.id])
            #expect(decision.rule == "asha" && decision.attempt == 1 && decision.reason == job.error)
            #expect((decision.epoch ?? 99) < 12, "\(decision)")
        }

        let second = try sandbox.run(["launch", "b.json", "--local-slots", "1"], timeout: 300)
        #expect(second.status == 0, "\(second.stdout)\n\(second.stderr)")
        #expect(second.stdout.contains("\(stopped.count) jobs another sweep's stop rule ended will run to the end here"),
                "\(second.stdout)")
        let after = try StoreReader(path: sandbox.database)
        let b = try #require(try after.sweep(named: "b"))
        #expect(try after.jobs(of: b.id).allSatisfy { $0.state == .done })
        for job in stopped {
            let now = try #require(try after.job(String(job.id)))
            #expect(now.attempts == 2 && now.okAttempt == 2, "job \(job.id): \(now.attempts) attempts, ok \(now.okAttempt ?? 0)")
            let rows = try after.metrics(of: job.id).filter { $0.name == "acc" }
            let stoppedRun = rows.filter { $0.attempt == 1 }.map(\.epoch)
            #expect(!stoppedRun.isEmpty && stoppedRun.max()! < 12, "the stopped run's metrics: \(stoppedRun)")
            #expect(rows.filter { $0.attempt == 2 }.map(\.epoch).max() == 12, "the run to the end")
            let attempts = try after.attempts(of: job.id)
            #expect(attempts.first?.status == .cancelled && attempts.first?.error == job.error)
        }
        // The decision is still a's, and a's resume starts nothing.
        #expect(try after.stopDecisions(of: a.id).keys.sorted() == stopped.map(\.id).sorted())
        #expect(try after.stopDecisions(of: b.id).isEmpty)
        let resume = try sandbox.run(["resume", "a"])
        #expect(resume.status == 0, "\(resume.stdout)\n\(resume.stderr)")
        let last = try StoreReader(path: sandbox.database)
        #expect(try stopped.allSatisfy { try last.job(String($0.id))?.attempts == 2 }, "resume of a ran a job again")
    }

    @Test func aStoppedCommandGetsSigtermAndItsSavedFilesComeBack() throws {
        let sandbox = try SweepSandbox()
        try sandbox.write("train.sh", """
            trap 'echo saved at $i > "$SWEEP_OUTPUT/saved.txt"; exit 0' TERM
            i=1
            while [ $i -le 60 ]; do
              echo "{\\"epoch\\": $i, \\"acc\\": $1}"
              sleep 0.05
              i=$((i+1))
            done
            """)
        try sandbox.write("c.json", """
            {"name": "c", "workload": "command", "base": {"command": "sh train.sh {acc}", "files": ["train.sh"]},
             "grid": {"acc": [0.9, 0.1]},
             "objective": {"metric": "acc", "mode": "max"}, "stop": {"rule": "asha", "grace": 1, "reduction": 2}}
            """)
        let launch = try sandbox.run(["launch", "c.json", "--local-slots", "1"], timeout: 300)
        #expect(launch.status == 0, "\(launch.stdout)\n\(launch.stderr)")
        let store = try StoreReader(path: sandbox.database)
        let jobs = try store.jobs(of: try #require(try store.sweep(named: "c")).id)
        let bad = try #require(jobs.first { $0.config["acc"]?.doubleValue == 0.1 })
        #expect(bad.state == .stopped, "\(bad.state) \(bad.error ?? "")")
        #expect(jobs.first { $0.config["acc"]?.doubleValue == 0.9 }?.state == .done)
        let saved = sandbox.directory.appendingPathComponent("sweep-outputs/job-\(bad.id)/attempt-1/saved.txt")
        #expect(FileManager.default.fileExists(atPath: saved.path), "the program's SIGTERM handler's file did not come back")
    }

    /// `retry SWEEP JOB` and `--rerun-stopped` with the stop rule still in the spec run the
    /// stopped jobs to their end, as they say: the rule that stopped them would stop them
    /// again at the same rung.
    @Test func rerunStoppedRunsThemToTheEndUnderTheSameRule() throws {
        let sandbox = try SweepSandbox()
        try sandbox.write("s.json", stoppingSpec(name: "s", stop: #"{"rule": "asha", "grace": 2, "reduction": 2}"#))
        let launch = try sandbox.run(["launch", "s.json", "--local-slots", "1"], timeout: 300)
        #expect(launch.status == 0, "\(launch.stdout)\n\(launch.stderr)")
        #expect(launch.stdout.contains("3 stopped early"), "\(launch.stdout)")
        // One by name (`retry`), then the rest.
        let before = try StoreReader(path: sandbox.database)
        let sweep = try #require(try before.sweep(named: "s"))
        let named = try #require(try before.jobs(of: sweep.id).first { $0.state == .stopped })
        let retry = try sandbox.run(["retry", "s", String(named.id), "--local-slots", "1"], timeout: 300)
        #expect(retry.status == 0, "\(retry.stdout)\n\(retry.stderr)")
        #expect(try StoreReader(path: sandbox.database).job(String(named.id))?.state == .done)
        let rerun = try sandbox.run(["launch", "s.json", "--local-slots", "1", "--rerun-stopped"], timeout: 300)
        #expect(rerun.status == 0, "\(rerun.stdout)\n\(rerun.stderr)")
        #expect(rerun.stdout.contains("re-queued 2 jobs a stop rule had ended, to run to the end"), "\(rerun.stdout)")
        let store = try StoreReader(path: sandbox.database)
        let jobs = try store.jobs(of: try #require(try store.sweep(named: "s")).id)
        #expect(jobs.allSatisfy { $0.state == .done }, "\(jobs.map { "\($0.state) \($0.error ?? "")" })")
        for job in jobs where job.attempts == 2 {
            #expect(try store.metrics(of: job.id).filter { $0.attempt == 2 }.map(\.epoch).max() == 12)
        }
    }

    /// Pausing asha on the local worker, one slot: jobs pause at their rungs and the best is
    /// promoted, run again from its start; the best configuration ends done, the others
    /// stopped, the report's compute line counts the runs again, and a resume runs nothing.
    @Test func pausingAshaPromotesTheBestProbeJobAndResumeRunsNothingAgain() throws {
        let sandbox = try SweepSandbox()
        try sandbox.write("s.json", """
            {"name": "s", "workload": "probe", "base": {"epochs": 12, "sleep_ms": 20},
             "grid": {"value": [8, 64, 128, 0, 32, 16]},
             "objective": {"metric": "acc", "mode": "max"}, "stop": {"rule": "asha", "grace": 1, "reduction": 3, "pause": true}}
            """)
        let dry = try sandbox.run(["launch", "s.json", "--dry-run"])
        #expect(dry.stdout.contains("stop: asha (grace 1, reduction 3, pausing); rungs at epochs 1, 3, 9"), "\(dry.stdout)")
        let launch = try sandbox.run(["launch", "s.json", "--local-slots", "1"], timeout: 300)
        #expect(launch.status == 0, "\(launch.stdout)\n\(launch.stderr)")
        let store = try StoreReader(path: sandbox.database)
        let jobs = try store.jobs(of: try #require(try store.sweep(named: "s")).id)
        let byValue = Dictionary(uniqueKeysWithValues: jobs.map { ($0.config["value"]?.doubleValue ?? -1, $0) })
        let best = try #require(byValue[0])
        #expect(best.state == .done && best.attempts >= 2, "the best job paused, was promoted and ran to its end: \(best.attempts)")
        #expect(jobs.filter { $0.state == .done }.count == 1, "one job is enough to end a finite grid")
        // The winner is named by what varies in the sweep, though it is the only configuration done.
        let bestRun = try sandbox.run(["best", "s", "--json"])
        let ranked = try #require(try JSONSerialization.jsonObject(with: Data(bestRun.stdout.utf8)) as? [[String: Any]])
        #expect(ranked.count == 1 && (ranked[0]["config"] as? [String: Any])?["value"] as? Double == 0, "\(bestRun.stdout)")
        #expect(try sandbox.run(["best", "s"]).stdout.contains("value"), "the table has the value column")
        let stopped = jobs.filter { $0.state == .stopped }
        #expect(stopped.count == 5)
        for job in stopped { #expect(job.error?.contains("by asha") == true && job.error?.contains("paused") == true, "\(job.error ?? "")") }
        var ran = 0
        for job in jobs {
            let rows = try store.metrics(of: job.id)
            for attempt in Set(rows.map(\.attempt)) { ran += rows.filter { $0.attempt == attempt }.map(\.epoch).max() ?? 0 }
        }
        #expect(ran < 72, "pausing ran \(ran) of the grid's 72 epochs")
        let report = try sandbox.run(["report", "s"])
        #expect(report.status == 0, "\(report.stderr)")
        let markdown = try String(contentsOf: sandbox.directory.appendingPathComponent("Reports/s/report.md"), encoding: .utf8)
        #expect(markdown.contains("- Compute: \(ran) of 72 epochs"), "\(markdown.prefix(800))")
        #expect(markdown.contains("- Status: complete (5 of 6 jobs stopped early by the stop rule)"), "\(markdown.prefix(800))")
        let resume = try sandbox.run(["resume", "s"])
        #expect(resume.status == 0, "\(resume.stdout)\n\(resume.stderr)")
        let after = try StoreReader(path: sandbox.database)
        let again = try after.jobs(of: try #require(try after.sweep(named: "s")).id)
        #expect(again.map(\.attempts) == jobs.map(\.attempts), "resume ran a job again")
    }
}

/// The spec of a stop-rule sweep that stops deterministically with one slot: probe's
/// acc = e / (e + value + 1), jobs in order 0, 8, 64, 128, so value 0 runs to the end and
/// sets the bar the others miss at the first rung (or epoch `grace`, for the median rule).
func stoppingSpec(name: String, stop: String) -> String {
    """
    {"name": "\(name)", "workload": "probe", "base": {"epochs": 12, "sleep_ms": 40},
     "grid": {"value": [0, 8, 64, 128]}, "objective": {"metric": "acc", "mode": "max"}, "stop": \(stop)}
    """
}

/// Checks a finished `stoppingSpec` sweep: the best job done, the others `stopped` by `rule`
/// before their last epoch on the `hosts` given, and a resume (`resume` arguments) that runs
/// nothing again. Returns the stopped jobs.
@discardableResult
func expectStoppedAndNotRerun(_ sandbox: SweepSandbox, sweep: String, rule: String, hosts: Set<String>,
                              resume: () throws -> Run) throws -> [StoredJob] {
    let store = try StoreReader(path: sandbox.database)
    let info = try #require(try store.sweep(named: sweep))
    let jobs = try store.jobs(of: info.id)
    let byValue = Dictionary(uniqueKeysWithValues: jobs.map { ($0.config["value"]?.doubleValue ?? -1, $0) })
    #expect(byValue[0]?.state == .done, "the best job is never stopped: \(byValue[0]?.error ?? "")")
    let stopped = jobs.filter { $0.state == .stopped }
    #expect(stopped.count == 3, "\(jobs.map { "\($0.config["value"]?.doubleValue ?? -1): \($0.state) \($0.error ?? "")" })")
    let decisions = try store.stopDecisions(of: info.id)
    for job in stopped {
        #expect(job.error?.contains("by \(rule)") == true, "\(job.error ?? "")")
        let epochs = try store.metrics(of: job.id).filter { $0.attempt == job.okAttempt }.map(\.epoch)
        #expect(!epochs.isEmpty && epochs.max()! < 12, "job \(job.id) ran \(epochs.max() ?? 0) epochs although stopped")
        #expect(decisions[job.id]?.rule == rule && decisions[job.id]?.attempt == job.okAttempt)
    }
    let ranOn = Set(try jobs.flatMap { try store.attempts(of: $0.id).map(\.host) })
    #expect(ranOn.isSubset(of: hosts) && !ranOn.isEmpty, "\(ranOn)")
    let again = try resume()
    #expect(again.status == 0, "\(again.stdout)\n\(again.stderr)")
    let after = try StoreReader(path: sandbox.database)
    for job in jobs {
        let now = try #require(try after.job(String(job.id)))
        #expect(now.state == job.state && now.attempts == job.attempts, "resume changed job \(job.id): \(now.state), \(now.attempts) attempts")
    }
    return stopped
}
