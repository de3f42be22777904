import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import SweepTestSupport
import Testing

/// Reports over a store filled by a real probe sweep, checked against the probe's
/// metrics computed independently here.
@Suite(.serialized) struct ReportTests {
    /// Splits simple CSV (no quoted commas in these files) into rows of fields.
    func csvRows(_ text: String) -> [[String]] {
        text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    }

    @Test func tablesHoldTheWindowStatisticsOfThePredictedMetrics() throws {
        let sandbox = try SweepSandbox()
        let epochs = 12, window = 5, seeds = 3
        try sandbox.write("r.json", """
            {"name": "r", "workload": "probe", "base": {"epochs": \(epochs)}, "grid": {"value": [2, 0.5]}, "seeds": \(seeds),
             "report": {"tables": [{"title": "By value", "rows": ["value"], "metrics": ["loss", "acc"], "window": \(window)}]}}
            """)
        #expect(try sandbox.run(["launch", "r.json", "--local-slots", "2"]).status == 0)
        let report = try sandbox.run(["report", "r"])
        #expect(report.status == 0, "\(report.stderr)")
        let out = sandbox.directory.appendingPathComponent("Reports/r")
        let names = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
        #expect(names == ["index.md", "metrics.csv", "report.md", "table-1-0.5.svg", "table-1-2.svg", "table-1.csv"])

        let table = csvRows(try String(contentsOf: out.appendingPathComponent("table-1.csv"), encoding: .utf8))
        #expect(table.first == ["value", "metric", "mean", "sd", "sd_over", "n", "jobs", "window"])
        // Rows follow the spec's axis order (2 before 0.5), metrics the table's order.
        #expect(table.dropFirst().map { [$0[0], $0[1]] } == [["2", "loss"], ["2", "acc"], ["0.5", "loss"], ["0.5", "acc"]])
        for row in table.dropFirst() {
            let value = try #require(Double(row[0]))
            // Independent computation: per seed, the mean over the last `window` epochs;
            // then the mean and sample sd across seeds.
            let seedMeans = (0..<seeds).map { seed in
                ((epochs - window + 1)...epochs).map { expectedProbeMetric(row[1], value: value, seed: seed, epoch: $0) }
                    .reduce(0, +) / Double(window)
            }
            let mean = seedMeans.reduce(0, +) / Double(seeds)
            let sd = (seedMeans.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(seeds - 1)).squareRoot()
            #expect(abs(try #require(Double(row[2])) - mean) < 1e-12)
            #expect(abs(try #require(Double(row[3])) - sd) < 1e-12)
            #expect(row[4] == "seeds" && row[5] == "\(seeds)" && row[7] == "\(window)")
        }

        let tidy = csvRows(try String(contentsOf: out.appendingPathComponent("metrics.csv"), encoding: .utf8))
        #expect(tidy.count == 1 + 2 * seeds * epochs * 2)

        let markdown = try String(contentsOf: out.appendingPathComponent("report.md"), encoding: .utf8)
        #expect(markdown.contains("## By value"))
        #expect(markdown.contains("Status: complete"))

        // One learning curve per row: a path per series (one series: no column params) per metric panel.
        for svg in ["table-1-0.5.svg", "table-1-2.svg"] {
            let data = try Data(contentsOf: out.appendingPathComponent(svg))
            let counter = ElementCounter()
            let parser = XMLParser(data: data)
            parser.delegate = counter
            #expect(parser.parse(), "\(svg) is not well-formed XML")
            #expect(counter.counts["path"] == 2)
            #expect(counter.counts["script"] == nil)
        }

        let stdout = try sandbox.run(["report", "r", "--stdout", "--rows", "value", "--metrics", "loss", "--window", "3"])
        #expect(stdout.stdout.contains("over the last 3 epochs"))
    }

    /// A grid too long for one learning-curve figure per row: grouped curves, a heatmap and
    /// marginals, a bounded set of files; a heatmap cell and a marginal recomputed from the
    /// SQLite rows with the sqlite3 tool.
    @Test func aBigGridGetsAHeatmapMarginalsAndBoundedFiles() throws {
        let sandbox = try SweepSandbox()
        let values = [1, 2, 3, 4, 5, 6], lengths = [3, 4, 5, 6]
        try sandbox.write("g.json", """
            {"name": "g", "workload": "probe", "grid": {"value": \(values), "epochs": \(lengths)}}
            """)
        #expect(try sandbox.run(["launch", "g.json", "--local-slots", "4"]).status == 0)
        let report = try sandbox.run(["report", "g", "--rows", "value,epochs", "--metrics", "acc,loss", "--top", "3"])
        #expect(report.status == 0, "\(report.stderr)")
        let out = sandbox.directory.appendingPathComponent("Reports/g")
        let names = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
        #expect(names == [
            "index.md", "metrics.csv", "report.md", "table-1-best.svg", "table-1-curves-epochs.svg", "table-1-curves-value.svg",
            "table-1-heatmap.svg", "table-1-marginals.svg", "table-1.csv",
        ])
        let markdown = try String(contentsOf: out.appendingPathComponent("report.md"), encoding: .utf8)
        #expect(markdown.contains("### Best 3 of 24 by `acc` (higher is better)"))
        #expect(markdown.split(separator: "\n").count < 80)

        // Every acc row of the ok attempts, straight from SQLite.
        let output = try Program.run("/usr/bin/sqlite3", ["-separator", ",", sandbox.database, """
            SELECT json_extract(j.config, '$.value'), json_extract(j.config, '$.epochs'), m.value
            FROM metrics m JOIN jobs j ON j.id = m.job_id AND m.attempt = j.ok_attempt WHERE m.name = 'acc'
            """]).succeeded().stdout
        var sums: [String: (sum: Double, count: Int)] = [:]
        for row in csvRows(output) {
            let key = "\(Double(row[0])!)/\(Int(row[1])!)"
            sums[key, default: (0, 0)] = (sums[key, default: (0, 0)].sum + Double(row[2])!, sums[key, default: (0, 0)].count + 1)
        }
        #expect(sums.count == values.count * lengths.count)
        // Each job has at most 6 epochs, inside the window of 10: a cell is the mean of all of them.
        func cell(_ value: Int, _ epochs: Int) -> Double { sums["\(Double(value))/\(epochs)"].map { $0.sum / Double($0.count) } ?? .nan }

        // The heatmap's best cell is the best acc cell, and the table CSV holds that cell.
        let best = values.flatMap { v in lengths.map { (v, $0) } }.max { cell($0.0, $0.1) < cell($1.0, $1.1) }!
        let heatmap = try String(contentsOf: out.appendingPathComponent("table-1-heatmap.svg"), encoding: .utf8)
        // value has more values, so it goes across; epochs down.
        #expect(heatmap.contains("<title>best: epochs=\(best.1), value=\(best.0): "))
        let table = csvRows(try String(contentsOf: out.appendingPathComponent("table-1.csv"), encoding: .utf8))
        let row = try #require(table.first { $0[0] == "\(best.0)" && $0[1] == "\(best.1)" && $0[2] == "acc" })
        #expect(abs(try #require(Double(row[3])) - cell(best.0, best.1)) < 1e-12)

        // The marginal of value=2: mean and sample sd over the four epoch lengths, n = 4.
        let means = lengths.map { cell(2, $0) }
        let mean = means.reduce(0, +) / 4
        let sd = (means.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 3).squareRoot()
        let expected = "| 2 | " + String(format: "%.2f ± %.2f", mean, sd) + " | 4 |"
        #expect(markdown.contains(expected), "\(expected)")
    }

    @Test func aFailedJobIsLeftOutAndListed() throws {
        let sandbox = try SweepSandbox()
        try sandbox.write("f.json", """
            {"name": "f", "workload": "probe", "base": {"epochs": 3}, "include": [{"value": 1}, {"value": 2, "fail_at_epoch": 2}]}
            """)
        #expect(try sandbox.run(["launch", "f.json", "--max-attempts", "1"]).status == 1)
        let report = try sandbox.run(["report", "f", "--stdout"])
        #expect(report.status == 0)
        #expect(report.stdout.contains("1 done"))
        #expect(report.stdout.contains("1 failed"))
        #expect(report.stdout.contains("probe: failing at epoch 2"))
    }
}

/// The report's behaviour on bad input: the spec's report section checked at launch,
/// flags naming what the sweep lacks, output paths that are not folders, hostile strings.
@Suite(.serialized) struct ReportInputTests {
    @Test func aBadReportSectionFailsAtLaunchWithItsPosition() throws {
        let sandbox = try SweepSandbox()
        try sandbox.write("b.json", """
            {"name": "b", "workload": "probe",
             "report": 5}
            """)
        let launch = try sandbox.run(["launch", "b.json"])
        #expect(launch.status != 0)
        #expect(launch.stderr.contains(#"b.json:2:12: report: expected an object with "tables""#), "\(launch.stderr)")
        try sandbox.write("c.json", """
            {"name": "c", "workload": "probe", "grid": {"value": [1, 2]},
             "report": {"tables": [{"rows": ["valeu"], "window": 0}]}}
            """)
        let second = try sandbox.run(["launch", "c.json", "--dry-run"])
        #expect(second.status != 0)
        #expect(second.stderr.contains(#"c.json:2:34: report.tables[0].rows[0]: unknown parameter "valeu"; did you mean "value"?"#), "\(second.stderr)")
        #expect(second.stderr.contains("c.json:2:54: report.tables[0].window: expected a positive integer"), "\(second.stderr)")
        // Nothing was registered: there is no sweep to report on.
        #expect(try sandbox.run(["report", "b"]).status != 0)
    }

    @Test func flagsAreCheckedAgainstTheSweepAndNumbersMatchByValue() throws {
        let sandbox = try SweepSandbox()
        try sandbox.write("v.json", """
            {"name": "v", "workload": "probe", "base": {"epochs": 3}, "grid": {"value": [1, 2.5]}}
            """)
        #expect(try sandbox.run(["launch", "v.json"]).status == 0)
        let matched = try sandbox.run(["report", "v", "--stdout", "--where", "value=1", "--metrics", "loss"])
        #expect(matched.status == 0, "\(matched.stderr)")
        #expect(matched.stdout.contains("Only jobs with `value` in 1."))
        #expect(!matched.stdout.contains("No job matches"))
        #expect(matched.stdout.contains("`value` = 1"))

        for (arguments, message) in [
            (["--rows", "valeu"], #"Error: --rows: unknown parameter "valeu"; did you mean "value"?"#),
            (["--metrics", "los"], #"Error: --metrics: unknown metric "los"; did you mean "loss"?"#),
            (["--where", "vale=1"], #"Error: --where: unknown parameter "vale"; did you mean "value"?"#),
            (["--window", "ten"], "--window"),
            (["--window", "0"], "--window: expected a positive number of epochs, got 0"),
            (["--format", "pdf"], "'pdf' is invalid for '--format <formats>'"),
            (["--rows", "value", "--columns", "value"], #""value" is already in --rows"#),
            (["--top", "0"], "--top: expected a number of configurations from 1 to 1000, got 0"),
            (["--maximize", "--minimize"], "--maximize"),
        ] {
            let run = try sandbox.run(["report", "v"] + arguments)
            #expect(run.status == 64, "\(arguments): \(run.stderr)")
            #expect(run.stderr.contains(message), "\(arguments): \(run.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: sandbox.directory.appendingPathComponent("Reports").path))
    }

    @Test func outputThatIsNotAFolderIsAClearErrorAndHostileStringsAreEscaped() throws {
        let sandbox = try SweepSandbox()
        let hostile = "x|y <b>*z*</b> `c`"
        try sandbox.write("h.json", """
            {"name": "h", "workload": "probe", "base": {"epochs": 2}, "include": [{"value": 1}, {"value": 2, "data_file": "\(hostile)"}]}
            """)
        #expect(try sandbox.run(["launch", "h.json", "--max-attempts", "1"]).status == 1)

        try sandbox.write("afile", "keep")
        for (out, what) in [("afile", "is a file"), ("afile/sub", "is a file"), ("/dev/null", "is a device")] {
            let run = try sandbox.run(["report", "h", "--out", out])
            #expect(run.status != 0)
            #expect(run.stderr.contains("cannot write the report to ") && run.stderr.contains(what), "\(out): \(run.stderr)")
            #expect(!run.stderr.contains("NSCocoaErrorDomain") && !run.stderr.contains("Error Domain"), "\(run.stderr)")
        }
        #expect(try String(contentsOf: sandbox.directory.appendingPathComponent("afile"), encoding: .utf8) == "keep")

        let report = try sandbox.run(["report", "h"])
        #expect(report.status == 0, "\(report.stderr)")
        let markdown = try String(contentsOf: sandbox.directory.appendingPathComponent("Reports/h/report.md"), encoding: .utf8)
        let escaped = #"x\|y &lt;b&gt;\*z\*&lt;/b&gt; \`c\`"#
        #expect(markdown.contains("data_file=\(escaped), "), "\(markdown)")
        #expect(!markdown.contains("<b>") && !markdown.contains(hostile))
    }

    @Test func aStoredSpecThatNoLongerValidatesGetsTheDefaultTableAndAWarning() throws {
        let sandbox = try SweepSandbox()
        try sandbox.write("w.json", """
            {"name": "w", "workload": "probe", "base": {"epochs": 2}, "grid": {"value": [1, 2]},
             "report": {"tables": [{"title": "Mine", "rows": ["value"], "window": 2}]}}
            """)
        #expect(try sandbox.run(["launch", "w.json"]).status == 0)
        #expect(try sandbox.run(["report", "w", "--stdout"]).stdout.contains("## Mine"))
        // As if written by an older sweep that accepted a window of 0.
        try Program.run("/usr/bin/sqlite3", [sandbox.database, #"UPDATE sweeps SET spec_text = replace(spec_text, '"window": 2', '"window": 0')"#])
            .succeeded()
        let report = try sandbox.run(["report", "w", "--stdout"])
        #expect(report.status == 0)
        #expect(report.stdout.contains("## Table 1") && !report.stdout.contains("## Mine"))
        #expect(report.stderr.contains(#"warning: the spec stored with sweep "w" no longer validates"#), "\(report.stderr)")
        #expect(report.stderr.contains("w.json:2:71: report.tables[0].window"), "\(report.stderr)")
    }

    @Test func aSweepNamedDotDotCannotWriteOutsideReports() throws {
        let sandbox = try SweepSandbox()
        try sandbox.write("d.json", #"{"name": "..", "workload": "probe", "base": {"epochs": 1}}"#)
        let launch = try sandbox.run(["launch", "d.json"])
        let before = Set(try FileManager.default.contentsOfDirectory(atPath: sandbox.directory.path))
        if launch.status == 0 {
            // The spec was accepted (names are checked at load elsewhere): the writer still refuses.
            let report = try sandbox.run(["report", ".."])
            #expect(report.status != 0)
            #expect(report.stderr.contains(#"the sweep name ".." is not a plain name"#), "\(report.stderr)")
        }
        let after = Set(try FileManager.default.contentsOfDirectory(atPath: sandbox.directory.path))
        #expect(after.subtracting(before).filter { !$0.hasPrefix("out-") && !$0.hasPrefix("err-") && !$0.hasPrefix("sweep.sqlite") }.subtracting(["Reports"]).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: sandbox.directory.appendingPathComponent("index.md").path))
        #expect(!FileManager.default.fileExists(atPath: sandbox.directory.deletingLastPathComponent().appendingPathComponent("index.md").path))
    }
}

/// Counts XML elements by name.
final class ElementCounter: NSObject, XMLParserDelegate {
    var counts: [String: Int] = [:]

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        counts[name, default: 0] += 1
    }
}
