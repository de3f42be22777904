import Foundation
import SweepStore
import SweepTestSupport
import Testing

/// `--json` output parsed as a program would, and job keys that work across commands.
@Suite(.serialized) struct JSONOutputTests {
    func object(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "\(text)")
    }

    @Test func statusLogsAndWorkloadsPrintJSONThatParses() throws {
        let sandbox = try SweepSandbox()
        try sandbox.write("j.json", """
            {"name": "j", "workload": "probe", "base": {"epochs": 2}, "grid": {"value": [1, 2]},
             "include": [{"value": 3, "fail_at_epoch": 1}]}
            """)
        let run = try sandbox.run(["launch", "j.json", "--local-slots", "1", "--max-attempts", "1"])
        #expect(run.status == 1, "\(run.stdout)\n\(run.stderr)")

        let status = try object(try sandbox.run(["status", "j", "--json"]).stdout)
        #expect(status["sweep"] as? String == "j" && status["workload"] as? String == "probe" && status["revision"] as? Int == 1)
        #expect(status["counts"] as? [String: Int] == ["pending": 0, "running": 0, "done": 2, "failed": 1, "cancelled": 0, "stopped": 0])
        #expect(status["coordinator"] is NSNull && status["interrupted"] as? Bool == false)
        let jobs = try #require(status["jobs"] as? [[String: Any]])
        #expect(jobs.map { $0["state"] as? String } == ["done", "done", "failed"])
        #expect(jobs.map { ($0["config"] as? [String: Any])?["value"] as? Double } == [1, 2, 3])
        #expect((jobs[2]["error"] as? String)?.contains("failing at epoch 1") == true)
        #expect(jobs[0]["error"] is NSNull)
        // A done job's metrics at its last epoch (probe: loss = value / epoch); a failed one has none.
        #expect((jobs[1]["final"] as? [String: Double])?["loss"] == 1.0)
        #expect(jobs[2]["final"] is NSNull)
        let text = try sandbox.run(["status", "j"]).stdout
        #expect(text.contains("final acc 0.4"), "\(text)")  // no objective or report metric: the first by name
        let brief = try object(try sandbox.run(["status", "j", "--json", "--brief"]).stdout)
        #expect(brief["jobs"] == nil && brief["counts"] != nil)

        // A key prefix of 4 characters finds the job, as its number does.
        let failedKey = try #require(jobs[2]["key"] as? String)
        let failedID = try #require(jobs[2]["job"] as? Int)
        let logs = try object(try sandbox.run(["logs", String(failedKey.prefix(4)), "--json"]).stdout)
        #expect(logs["job"] as? Int == failedID && logs["key"] as? String == failedKey && logs["state"] as? String == "failed")
        let attempts = try #require(logs["attempts"] as? [[String: Any]])
        #expect(attempts.count == 1 && attempts[0]["status"] as? String == "failed" && attempts[0]["host"] as? String == "local")
        #expect(logs["summary"] is NSNull)
        let done = try object(try sandbox.run(["logs", String(describing: jobs[0]["job"]!), "--json"]).stdout)
        #expect((done["summary"] as? [String: Any]) != nil, "\(done)")
        #expect(try sandbox.run(["logs", "abc"]).status != 0, "3 characters are too few")

        let workloads = try #require(try JSONSerialization.jsonObject(with: Data(try sandbox.run(["workloads", "--json"]).stdout.utf8)) as? [[String: Any]])
        #expect(workloads.map { $0["name"] as? String }.contains("probe"))
        let probe = try #require(workloads.first { $0["name"] as? String == "probe" })
        let epochs = try #require((probe["parameters"] as? [[String: Any]])?.first { $0["name"] as? String == "epochs" })
        #expect(epochs["type"] as? String == "int" && epochs["min"] as? Int == 0 && epochs["max"] as? Int == 1_000_000 && epochs["default"] as? Int == 3)

        // The key prefix shown by --dry-run also picks the job to run in the foreground.
        let dry = try sandbox.run(["launch", "j.json", "--dry-run"])
        #expect(dry.stdout.contains("against sweep j (revision 1) in sweep.sqlite: +0 new, 3 kept (2 done), 0 dropped"))
        let second = dry.stdout.split(separator: "\n")[3]  // header, column names, job 0, job 1
        // With a store, rows carry the job numbers status and logs use.
        let number = try #require(jobs[1]["job"] as? Int)
        #expect(second.split(separator: " ").first == "\(number)", "\(dry.stdout)")
        let key = try #require(second.split(separator: " ").last.map(String.init))
        let job = try sandbox.run(["job", "j.json", String(key.prefix(6))])
        #expect(job.status == 0 && job.stdout.contains(#""value":2.0"#), "\(job.stdout)\n\(job.stderr)")
        // The same job by the number status and logs use: one numbering.
        let byNumber = try sandbox.run(["job", "j.json", "\(number)"])
        #expect(byNumber.status == 0 && byNumber.stdout.contains(#""value":2.0"#), "\(byNumber.stdout)\n\(byNumber.stderr)")
        let unknown = try sandbox.run(["job", "j.json", "999"])
        #expect(unknown.status == 64 && unknown.stderr.contains("no job 999"), "\(unknown.stderr)")
        let status2 = try sandbox.run(["status", "j"])
        #expect(status2.stdout.contains(String(key.prefix(8))))
    }
}

@Suite struct LogsSummaryTests {
    @Test func logsPrintsTheSummaryOneEntryALineCutUnlessFull() throws {
        let sandbox = try SweepSandbox()
        try sandbox.write("l.json", #"{"name": "l", "workload": "probe", "base": {"epochs": 2}}"#)
        #expect(try sandbox.run(["launch", "l.json", "--local-slots", "1"]).status == 0)
        let plain = try sandbox.run(["logs", "1"]).stdout
        #expect(plain.contains("summary:\n  epochs: 2\n  final: {\"acc\":"), "\(plain)")
        // A summary as long as hitl-ddqn's, written by another program (sqlite3).
        try Program.run("/usr/bin/sqlite3", [sandbox.database, #"UPDATE jobs SET summary = json_object('epochs', 2, 'heatmap', printf('%.*c', 5000, 'x')) WHERE id = 1"#])
            .succeeded()
        let cut = try sandbox.run(["logs", "1"]).stdout
        #expect(cut.contains("  heatmap: " + String(repeating: "x", count: 148) + "…\n"), "\(cut)")
        #expect(cut.contains("(4851 characters cut; --full shows all)"), "\(cut)")
        let full = try sandbox.run(["logs", "1", "--full"]).stdout
        #expect(full.contains("  heatmap: " + String(repeating: "x", count: 5000) + "\n") && !full.contains("cut;"))
    }
}
