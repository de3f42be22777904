import Foundation
import SweepCore
import SweepStore
import Testing

/// A command's metric lines through the real binary: what is read, and what looked like a
/// metric and was not, said once at the end of the attempt's log and counted in its summary.
@Suite struct CommandMetricLinesTests {
    @Test func linesThatLookLikeMetricsButAreNotReadAreCountedAndShownOnceBySweepLogs() throws {
        let sandbox = try SweepSandbox()
        try sandbox.write("print.sh", """
            echo 'epoch: 1'
            echo '{"loss": 0.5, "note": "hi"}'
            echo 'acc=0.75'
            echo 'final accuracy: 0.93'
            echo 'loss: nan'
            echo 'acc: high'
            echo 'device: cuda'
            echo 'hello' >> "$SWEEP_METRICS"
            head -c 70000 /dev/zero | tr '\\0' x >> "$SWEEP_METRICS"; echo >> "$SWEEP_METRICS"
            echo '{"epoch": 2, "from_file": 1}' >> "$SWEEP_METRICS"

            """)
        try sandbox.write("m.json", """
            {"name": "m", "workload": "command", "base": {"command": "sh print.sh", "files": ["print.sh"]}, "seeds": 1}
            """)
        let launch = try sandbox.start(["launch", "m.json", "--quiet"], environment: ["HOME": sandbox.directory.path])
        launch.wait(timeout: 120)
        #expect(launch.status == 0, "\(launch.stdout)\n\(launch.stderr)")

        let store = try StoreReader(path: sandbox.database)
        let sweep = try #require(try store.sweep(named: "m"))
        let job = try #require(try store.jobs(of: sweep.id).first)
        let metrics = Dictionary(try store.metrics(of: job.id).map { ("\($0.epoch)/\($0.name)", $0.value) }) { $1 }
        #expect(metrics == ["1/loss": 0.5, "1/acc": 0.75, "2/from_file": 1])

        let logs = try sandbox.run(["logs", "\(job.id)"]).stdout
        let notice = "command: 3 stdout lines looked like metrics but were not read; metrics are `name: value` or JSON objects "
            + "(sweep workloads command):"
        #expect(logs.components(separatedBy: notice).count == 2, "\(logs)")
        #expect(logs.contains("line 4: final accuracy: 0.93  <- a name is one word"), "\(logs)")
        #expect(logs.contains("line 5: loss: nan  <- not a finite number"), "\(logs)")
        #expect(logs.contains("line 6: acc: high  <- not a number"), "\(logs)")
        #expect(!logs.contains("device: cuda  <-"), "\(logs)")
        #expect(logs.contains("command: 1 field of JSON metric lines on stdout ignored (only numbers are metrics):\n"
            + #"[1] command:   line 2: "note" is a string"#), "\(logs)")
        #expect(logs.contains("command: 2 $SWEEP_METRICS lines looked like metrics but were not read"), "\(logs)")
        #expect(logs.contains("line 1: hello  <- not a metrics line"), "\(logs)")
        #expect(logs.contains("line 2: " + String(repeating: "x", count: 59) + "…  <- longer than 64 KiB"), "\(logs)")
        // The notice is the end of the attempt's log, and the summary counts both sources.
        let output = logs.components(separatedBy: "\n").filter { $0.hasPrefix("[1] ") }
        #expect(output.last?.hasSuffix("…  <- longer than 64 KiB") == true, "\(logs)")
        let summary = try #require(job.summary)
        #expect(summary["unread_metric_lines"] == 5 && summary["ignored_metric_fields"] == 1, "\(summary)")
    }
}
