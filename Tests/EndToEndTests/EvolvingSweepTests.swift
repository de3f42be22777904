import Foundation
import SweepCore
import SweepStore
import Testing

/// Sweeps that change: an edited spec relaunched, overrides, sampling, list and rm.
@Suite(.serialized) struct EvolvingSweepTests {
    @Test func anEditedSpecRelaunchedAfterAKillKeepsDoneJobsAddsNewOnesAndDropsTheRest() throws {
        let sandbox = try SweepSandbox()
        let epochs = 4
        try sandbox.write("e.json", """
            {"name": "e", "workload": "probe", "base": {"epochs": \(epochs), "sleep_ms": 80},
             "grid": {"value": [1, 2, 3, 4, 5, 6]}, "seeds": 2}
            """)
        let launch = try sandbox.start(["launch", "e.json", "--local-slots", "2"])
        let someDone = try sandbox.waitUntil(timeout: 60) {
            guard let store = try? StoreReader(path: sandbox.database),
                  let sweep = try store.sweep(named: "e") else { return false }
            let counts = try store.counts(of: sweep.id)
            return counts.done >= 2 && counts.running > 0
        }
        #expect(someDone)
        kill(launch.process.processIdentifier, SIGKILL)
        launch.wait(timeout: 10)
        #expect(sandbox.waitForNoLeftovers().isEmpty)

        let before = try StoreReader(path: sandbox.database)
        let sweepID = try #require(try before.sweep(named: "e")).id
        let doneBefore = try before.jobs(of: sweepID, states: [.done])
        let value = { (job: StoredJob) in job.config.double("value") }
        // Keep the values of the jobs done so far, drop 6, add 7 and 8.
        let keptValues = Set(doneBefore.map(value)).union([1])
        let newValues = keptValues.union([7, 8]).subtracting([6]).sorted()
        #expect(!keptValues.contains(6), "the jobs run in spec order, so value 6 is not done yet")
        try sandbox.write("e.json", """
            {"name": "e", "workload": "probe", "base": {"epochs": \(epochs), "sleep_ms": 80},
             "grid": {"value": [\(newValues.map { String(Int($0)) }.joined(separator: ", "))]}, "seeds": 2}
            """)
        let all = try before.jobs(of: sweepID)
        let kept = all.filter { newValues.contains(value($0)) }.count
        let keptDone = doneBefore.filter { newValues.contains(value($0)) }.count
        let added = newValues.count * 2 - kept
        let dropped = all.count - kept
        let difference = "+\(added) new, \(kept) kept (\(keptDone) done), \(dropped) dropped"

        // The dry run shows the difference and writes nothing.
        let dry = try sandbox.run(["launch", "e.json", "--dry-run"])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.contains("against sweep e (revision 1) in sweep.sqlite: \(difference)"), "\(dry.stdout)")
        #expect(try StoreReader(path: sandbox.database).revisions(of: sweepID).count == 1)

        let relaunch = try sandbox.run(["launch", "e.json", "--local-slots", "2"])
        #expect(relaunch.status == 0, "\(relaunch.stdout)\n\(relaunch.stderr)")
        #expect(relaunch.stdout.contains("sweep e (revision 2): \(newValues.count * 2) jobs: \(difference)"), "\(relaunch.stdout)")
        try expectProbeSweepComplete(database: sandbox.database, sweep: "e", jobs: newValues.count * 2, epochs: epochs)
        let after = try StoreReader(path: sandbox.database)
        #expect(Set(try after.jobs(of: sweepID).map(value)) == Set(newValues))
        // Done jobs were not run again: still one attempt, the one before the kill.
        for job in doneBefore where newValues.contains(value(job)) {
            #expect(try after.attempts(of: job.id).count == 1, "job \(job.id) ran again")
        }
        // The dropped jobs stay in the store, out of the sweep's status.
        for job in all where !newValues.contains(value(job)) {
            #expect(try after.job(String(job.id)) != nil)
        }
        let status = try sandbox.run(["status", "e"])
        #expect(status.stdout.contains("\(newValues.count * 2)/\(newValues.count * 2) done"), "\(status.stdout)")
        let report = try sandbox.run(["report", "e", "--stdout", "--format", "md"])
        #expect(report.stdout.contains("- Spec: `e.json (revision 2 of "), "\(report.stdout.prefix(600))")
        let revisions = try after.revisions(of: sweepID)
        #expect(revisions.map(\.revision) == [1, 2] && revisions[1].specText.contains("[\(newValues.map { String(Int($0)) }.joined(separator: ", "))]"))
        #expect(sandbox.waitForNoLeftovers().isEmpty)
    }

    @Test func overridesMakeANewSweepAndBadOnesAreNamedByPosition() throws {
        let sandbox = try SweepSandbox()
        try sandbox.write("o.yaml", """
            name: o
            workload: probe
            base: {epochs: 5}
            grid: {value: [1, 2]}
            """)
        let run = try sandbox.run(["launch", "o.yaml", "epochs=2", "value=3,4,5", "seeds=2", "--local-slots", "2"])
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        #expect(run.stdout.contains("sweep name: o-epochs_2-value_3_4_5-seeds_2 (from the overrides; --name NEW to choose)"))
        try expectProbeSweepComplete(database: sandbox.database, sweep: "o-epochs_2-value_3_4_5-seeds_2", jobs: 6, epochs: 2)

        let named = try sandbox.run(["launch", "o.yaml", "value=9", "--name", "nine", "--local-slots", "1"])
        #expect(named.status == 0, "\(named.stdout)\n\(named.stderr)")
        try expectProbeSweepComplete(database: sandbox.database, sweep: "nine", jobs: 1, epochs: 5)
        // The overridden spec is what the store keeps: resume needs neither file nor overrides.
        try FileManager.default.removeItem(at: sandbox.directory.appendingPathComponent("o.yaml"))
        let resume = try sandbox.run(["resume", "nine"])
        #expect(resume.status == 0, "\(resume.stdout)\n\(resume.stderr)")
        #expect(resume.stdout.contains("sweep nine (revision 1): 1 jobs: +0 new, 1 kept (1 done), 0 dropped"), "\(resume.stdout)")

        try sandbox.write("o.yaml", "name: o\nworkload: probe\ngrid: {value: [1, 2]}\n")
        let bad = try sandbox.run(["launch", "o.yaml", "epochs=3", "value=x", "valu=2", "--dry-run"])
        #expect(bad.status == 64)
        #expect(bad.stderr.contains(#"override 2 (value=x): expected a number in -1000000000.0...1000000000.0, got "x""#), "\(bad.stderr)")
        #expect(bad.stderr.contains(#"override 3 (valu=2): unknown parameter "valu" of workload "probe"; did you mean "value"?"#))
        #expect(!bad.stdout.contains("sweep name:"), "a refused launch names no sweep: \(bad.stdout)")
        let badName = try sandbox.run(["launch", "o.yaml", "epochs=3", "--name", "../x"])
        #expect(badName.status == 64 && badName.stderr.contains("--name \"../x\" is not a plain name"))
    }

    @Test func aSampledSpecDrawsTheSameJobsOnEveryRun() throws {
        let sandbox = try SweepSandbox()
        try sandbox.write("s.json", """
            {"name": "s", "workload": "probe", "base": {"epochs": 2}, "grid": {"sleep_ms": [0, 1]},
             "sample": {"n": 4, "seed": 7, "params": {"value": {"log_uniform": [0.001, 10]}}}, "seeds": 2}
            """)
        let first = try sandbox.run(["launch", "s.json", "--dry-run"])
        let second = try sandbox.run(["launch", "s.json", "--dry-run"])
        #expect(first.status == 0 && first.stdout == second.stdout)
        #expect(first.stdout.contains("16 jobs = 8 configs x 2 seeds"), "\(first.stdout)")
        let capped = try sandbox.run(["launch", "s.json", "--dry-run", "--max-jobs", "15"])
        #expect(capped.status == 64 && capped.stderr.contains("16 jobs (grid 2, sample 4, 2 seeds)"), "\(capped.stderr)")

        let run = try sandbox.run(["launch", "s.json", "--local-slots", "2"])
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        try expectProbeSweepComplete(database: sandbox.database, sweep: "s", jobs: 16, epochs: 2)
        let store = try StoreReader(path: sandbox.database)
        let jobs = try store.jobs(of: try #require(try store.sweep(named: "s")).id)
        // The dry run listed exactly the keys that ran, in the same order.
        let listed = first.stdout.split(separator: "\n").dropFirst(2).compactMap { $0.split(separator: " ").last.map(String.init) }
        #expect(listed == jobs.map { String($0.key.prefix(12)) })
        #expect(jobs.allSatisfy { (0.001...10).contains($0.config.double("value")) })
        #expect(Set(jobs.map { $0.config.double("value") }).count == 4)
    }

    @Test func listShowsEverySweepAsTextAndJSONAndRmRemovesOne() throws {
        let sandbox = try SweepSandbox()
        try sandbox.write("a.json", #"{"name": "a", "workload": "probe", "base": {"epochs": 1}, "grid": {"value": [1, 2]}}"#)
        try sandbox.write("b.json", #"{"name": "b", "workload": "probe", "base": {"epochs": 1}, "grid": {"value": [2, 3, 4]}, "//": "shares value 2"}"#)
        #expect(try sandbox.run(["launch", "a.json", "--local-slots", "1"]).status == 0)
        try sandbox.write("b.json", #"{"name": "b", "workload": "probe", "base": {"epochs": 1, "fail_at_epoch": 1}, "grid": {"value": [5]}}"#)
        #expect(try sandbox.run(["launch", "b.json", "--local-slots", "1", "--max-attempts", "1"]).status == 1)
        try sandbox.write("b.json", #"{"name": "b", "workload": "probe", "base": {"epochs": 1}, "grid": {"value": [2, 3]}}"#)
        #expect(try sandbox.run(["launch", "b.json", "--local-slots", "1"]).status == 0)

        let list = try sandbox.run(["list"])
        #expect(list.status == 0)
        let lines = list.stdout.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
        #expect(lines.first?.first == "sweep")
        #expect(lines.contains { $0.prefix(7) == ["b", "probe", "2/2", "0", "0", "0", "2"] }, "\(list.stdout)")
        #expect(lines.contains { $0.prefix(7) == ["a", "probe", "2/2", "0", "0", "0", "1"] }, "\(list.stdout)")

        let json = try sandbox.run(["list", "--json"])
        #expect(json.status == 0)
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(parsed.map { $0["name"] as? String } == ["b", "a"], "most recently launched first")
        let b = parsed[0]
        #expect(b["workload"] as? String == "probe" && b["revision"] as? Int == 2 && b["jobs"] as? Int == 2)
        #expect(b["running"] as? Bool == false && b["spec"] as? String == "b.json")
        let counts = try #require(b["counts"] as? [String: Int])
        #expect(counts == ["pending": 0, "running": 0, "done": 2, "failed": 0, "cancelled": 0, "stopped": 0])
        for key in ["launched_at", "last_activity"] {
            #expect((b[key] as? String).flatMap { try? Date($0, strategy: .iso8601) } != nil, "\(key): \(b[key] ?? "none")")
        }

        // b's job with value 2 is shared with a: rm keeps it, --purge deletes only b's own.
        let rm = try sandbox.run(["rm", "b", "--purge"])
        #expect(rm.status == 0, "\(rm.stderr)")
        #expect(rm.stdout.contains("removed sweep b: 1 jobs deleted, 1 kept in the store"), "\(rm.stdout)")
        let store = try StoreReader(path: sandbox.database)
        #expect(try store.sweeps().map(\.name) == ["a"])
        let a = try #require(try store.sweep(named: "a"))
        #expect(try store.counts(of: a.id).done == 2)
        // The failed job of b's first revision left b then; it is still in the store.
        let missing = try sandbox.run(["rm", "b"])
        #expect(missing.status == 64 && missing.stderr.contains(#"no sweep named "b""#), "\(missing.stderr)")
    }

    @Test func rmIsRefusedWhileACoordinatorRunsAndListSaysWhichSweepItRuns() throws {
        let sandbox = try SweepSandbox()
        try sandbox.write("slow.json", #"{"name": "slow", "workload": "probe", "base": {"epochs": 50, "sleep_ms": 100}, "grid": {"value": [1]}}"#)
        let launch = try sandbox.start(["launch", "slow.json", "--local-slots", "1"])
        let running = sandbox.waitUntil(timeout: 60) { StoreReader.writer(databasePath: sandbox.database)?.sweep == "slow" }
        #expect(running)
        let list = try sandbox.run(["list", "--json"])
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        #expect(parsed.first?["running"] as? Bool == true, "\(list.stdout)")
        // status shows how far the running job has got, as text and JSON.
        var progress: [String: Any]?
        _ = try sandbox.waitUntil(timeout: 30) {
            let status = try JSONSerialization.jsonObject(with: Data(try sandbox.run(["status", "slow", "--json"]).stdout.utf8)) as? [String: Any]
            progress = ((status?["jobs"] as? [[String: Any]])?.first)?["progress"] as? [String: Any]
            return (progress?["epoch"] as? Int ?? 0) >= 2
        }
        let epoch = try #require(progress?["epoch"] as? Int)
        let loss = try #require((progress?["metrics"] as? [String: Double])?["loss"])
        #expect(abs(loss - expectedProbeMetric("loss", value: 1, seed: 0, epoch: epoch)) < 1e-12)
        let text = try sandbox.run(["status", "slow", "--metric", "loss"]).stdout
        #expect(text.range(of: #"running .* epoch \d+/50 · loss [0-9.e-]+ · eta \d\d:\d\d"#, options: .regularExpression) != nil, "\(text)")
        let rm = try sandbox.run(["rm", "slow"])
        #expect(rm.status == 75 && rm.stderr.contains("another sweep coordinator"), "\(rm.stderr)")
        kill(launch.process.processIdentifier, SIGKILL)
        launch.wait(timeout: 10)
        #expect(sandbox.waitForNoLeftovers().isEmpty)
        let after = try sandbox.run(["list"])
        #expect(after.stdout.contains("interrupted"), "\(after.stdout)")
        #expect(try sandbox.run(["rm", "slow"]).status == 0)
    }
}
