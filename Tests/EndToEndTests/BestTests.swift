import Foundation
import SweepCore
import Testing

/// `sweep best`: the answer a user came for, one command away.
@Suite struct BestTests {
    @Test func theBestConfigurationsComeFirstRankedByTheMeanOverSeeds() throws {
        let sandbox = try SweepSandbox()
        // probe: loss = value / epoch + seed / 100, so smaller values are better and seeds add 0.00/0.01.
        try sandbox.write("b.json", """
            {"name": "b", "workload": "probe", "base": {"epochs": 4}, "grid": {"value": [3, 1, 2]}, "seeds": 2,
             "objective": {"metric": "loss", "mode": "min"}}
            """)
        #expect(try sandbox.run(["launch", "b.json"]).status == 0)
        let text = try sandbox.run(["best", "b"])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("best by loss (min, at the last epoch)"), "\(text.stdout)")
        let json = try sandbox.run(["best", "b", "--json", "--top", "2"])
        let list = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(list.count == 2)
        #expect((list[0]["config"] as? [String: Any])?["value"] as? Double == 1)
        #expect((list[1]["config"] as? [String: Any])?["value"] as? Double == 2)
        // loss at epoch 4 = 1/4 + seed/100, averaged over seeds 0 and 1.
        #expect(abs((list[0]["value"] as? Double ?? 0) - 0.255) < 1e-9)
        #expect(list[0]["n"] as? Int == 2 && list[0]["sd"] != nil)
        // A sweep with an objective gets its optimisation history: a point per done job and the best so far.
        #expect(try sandbox.run(["report", "b"]).status == 0)
        let history = try String(contentsOf: sandbox.directory.appendingPathComponent("Reports/b/table-1-history.svg"), encoding: .utf8)
        #expect(history.components(separatedBy: "<circle class=\"trial\"").count - 1 == 6, "\(history.prefix(400))")
        #expect(history.contains("<path class=\"best\""))
        let index = try String(contentsOf: sandbox.directory.appendingPathComponent("Reports/b/index.md"), encoding: .utf8)
        #expect(index.contains("[Optimisation history: loss of each job in start order](table-1-history.svg)"), "\(index)")

        // Another metric by flag: acc, max.
        let acc = try sandbox.run(["best", "b", "--metric", "acc", "--json", "--top", "1"])
        let first = try #require(try JSONSerialization.jsonObject(with: Data(acc.stdout.utf8)) as? [[String: Any]]).first
        #expect((first?["config"] as? [String: Any])?["value"] as? Double == 1)
    }

    @Test func aSweepWithoutAnObjectiveSaysWhatToPass() throws {
        let sandbox = try SweepSandbox()
        try sandbox.write("n.json", #"{"name": "n", "workload": "probe", "base": {"epochs": 1}, "grid": {"value": [1, 2]}}"#)
        #expect(try sandbox.run(["launch", "n.json"]).status == 0)
        let run = try sandbox.run(["best", "n"])
        #expect(run.status != 0)
        #expect(run.stderr.contains("has no objective: pass --metric NAME"), "\(run.stderr)")
    }

    @Test func retryRerunsOnlyTheNamedJobs() throws {
        let sandbox = try SweepSandbox()
        try sandbox.write("r.json", #"{"name": "r", "workload": "probe", "base": {"epochs": 1}, "grid": {"value": [1, 2, 3]}}"#)
        #expect(try sandbox.run(["launch", "r.json"]).status == 0)
        let retry = try sandbox.run(["retry", "r", "2"])
        #expect(retry.status == 0, "\(retry.stdout)\n\(retry.stderr)")
        #expect(retry.stdout.contains("re-queued 1 named jobs"), "\(retry.stdout)")
        let logs = try sandbox.run(["logs", "2"]).stdout + (try sandbox.run(["logs", "1"]).stdout)
        #expect(logs.contains("attempt 2"), "job 2 ran again: \(logs)")
        #expect(try sandbox.run(["logs", "1"]).stdout.contains("attempt 2") == false, "job 1 was not named")
        // probe, value 1, one epoch: loss 1 / 1, acc 1 / 3.
        #expect(try sandbox.run(["logs", "1"]).stdout.contains("final: acc 0.333333, loss 1"), "logs shows the final metrics")
        let unknown = try sandbox.run(["retry", "r", "99"])
        #expect(unknown.status == 64 && unknown.stderr.contains("no job 99 in sweep r"), "\(unknown.stderr)")
        #expect(try sandbox.run(["retry", "r"]).status == 64, "nothing to retry named")
    }
}
