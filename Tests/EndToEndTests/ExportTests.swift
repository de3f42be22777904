import Foundation
import SweepCore
import SweepTestSupport
import Testing

/// `sweep export`: one row per job that pandas reads as it is.
@Suite struct ExportTests {
    @Test func oneRowPerJobLoadsIntoPandasWithTheRightValues() throws {
        let sandbox = try SweepSandbox()
        try sandbox.write("e.json", """
            {"name": "e", "workload": "probe", "base": {"epochs": 3}, "grid": {"value": [1, 2]},
             "include": [{"value": 5, "fail_at_epoch": 2}]}
            """)
        _ = try sandbox.run(["launch", "e.json", "--max-attempts", "1"])
        let csv = try sandbox.run(["export", "e", "--out", "e.csv"])
        #expect(csv.status == 0, "\(csv.stderr)")
        #expect(csv.stderr.contains("wrote 3 jobs to e.csv"))
        // probe: loss = value / epoch, so job value=2 ends at 2/3 after starting at 2.
        let script = """
            import pandas as pd
            df = pd.read_csv("e.csv")
            assert list(df["state"]) == ["done", "done", "failed"], df
            row = df[df["value"] == 2].iloc[0]
            assert abs(row["final_loss"] - 2 / 3) < 1e-12 and row["max_loss"] == 2 and row["epochs"] == 3, row
            assert "failing at epoch 2" in df[df["value"] == 5].iloc[0]["error"]
            print("ok", len(df))
            """
        let python = try Program.run("/usr/bin/python3", ["-c", script], in: sandbox.directory.path)
        #expect(python.status == 0 && python.stdout.contains("ok 3"), "\(python.stdout)\n\(python.stderr)")

        let lines = try sandbox.run(["export", "e", "--format", "jsonl"]).stdout.split(separator: "\n")
        #expect(lines.count == 3)
        let first = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(first["state"] as? String == "done" && first["final_acc"] != nil)
    }
}
