import Foundation
import SweepCore
import SweepReport
import SweepSpec
import SweepTestSupport
import Testing
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Reports that scale: best configurations, marginals, heatmaps and bounded output.
@Suite("Big reports: ranking, marginals, heatmap, bounded output")
struct BigReportTests {
    /// A grid over `a` (rows) x `b` (columns), one seed, every epoch of a job recording the
    /// same `loss` (and `acc` = 1 - loss), so a cell's mean is exactly the given value; nil
    /// makes the job failed.
    static func gridInput(_ losses: [[Double?]], a: [ParamValue], b: [ParamValue], epochs: Int32 = 3, table: TableSpec? = nil) -> ReportInput {
        var jobs: [ReportJob] = []
        jobs.reserveCapacity(a.count * b.count)
        let epochList = Array(1...epochs)
        for (i, aValue) in a.enumerated() {
            for (j, bValue) in b.enumerated() {
                let id = jobs.count + 1
                guard let loss = losses[i][j] else {
                    jobs.append(ReportJob(id: id, key: "j\(id)", params: ["a": aValue, "b": bValue], seed: 0, state: .failed, error: "boom"))
                    continue
                }
                jobs.append(ReportJob(
                    id: id, key: "j\(id)", params: ["a": aValue, "b": bValue], seed: 0, state: .done,
                    metrics: [
                        "loss": MetricSeries(epochs: epochList, values: epochList.map { _ in loss }),
                        "acc": MetricSeries(epochs: epochList, values: epochList.map { _ in 1 - loss }),
                    ]))
            }
        }
        return ReportInput(
            sweep: "grid", generatedAt: Fixtures.generatedAt, jobs: jobs,
            tables: [table ?? TableSpec(rows: ["a"], columns: ["b"], metrics: ["loss", "acc"], window: Int(epochs))])
    }

    /// a in 1, 2, 3 x b in x, y; (a=3, b=y) failed.
    static let tiny = gridInput([[0.5, 0.7], [0.2, 0.4], [0.9, nil]], a: [.int(1), .int(2), .int(3)], b: [.string("x"), .string("y")])

    private func labels(_ report: Report, _ best: [TableRanking.Configuration]) -> [String] {
        let table = report.tables[0]
        return best.map { "\(table.rows[$0.row][0]!)\(table.columnGroups[$0.group][0]!)" }
    }

    @Test("directions come from metric names")
    func directionFromName() {
        for name in ["loss", "val_loss", "test_error", "regret", "wall_time", "MSE"] {
            #expect(TableSpec.Direction(metric: name) == .minimize, "\(name)")
        }
        for name in ["acc", "test_acc", "reward", "return", "f1", "precision"] {
            #expect(TableSpec.Direction(metric: name) == .maximize, "\(name)")
        }
    }

    @Test("a table's top and direction are read from the spec, and bad ones reported at their position")
    func specFields() throws {
        let tables = try SpecDocument.reportSection(of: SpecDocument(file: "s.json", text: """
            {"report": {"tables": [{"rows": ["a"], "metrics": ["score"], "top": 5, "direction": "minimize"}]}}
            """))
        #expect(tables == [TableSpec(rows: ["a"], metrics: ["score"], top: 5, direction: .minimize)])
        #expect(tables[0].direction(of: "score") == .minimize)
        #expect(TableSpec().direction(of: "score") == .maximize)
        do {
            _ = try SpecDocument.reportSection(of: SpecDocument(file: "Sweeps/x.json", text: """
                {"report": {"tables": [
                   {"top": 1001, "direction": "down"}
                 ]}}
                """))
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("Sweeps/x.json:2:12: report.tables[0].top: expected an integer from 1 to 1000, got 1001"))
            #expect(error.description.contains(#"Sweeps/x.json:2:31: report.tables[0].direction: expected "maximize" or "minimize", got "down""#))
        }
    }

    @Test("Table IV's heatmap is KAN width down and grid across, as its spec asks")
    func paperTableFourHeatmap() throws {
        let report = Report(try Fixtures.paperSweep())
        let grid = try #require(report.parts[3].ranking?.heatmap)
        #expect(grid.yKey == "kan.width" && grid.xKey == "kan.grid")
        #expect(report.plots().contains { $0.fileName == "table-4-heatmap.svg" })
        do {
            _ = try SpecDocument.reportSection(of: SpecDocument(file: "s.json", text: #"{"report": {"tables": [{"rows": ["a"], "heatmap": ["a", "b"]}]}}"#))
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains(#"report.tables[0].heatmap: "b" is neither in rows nor in columns"#))
        }
    }

    @Test("the best configurations are ordered by the main metric in its direction, and --top and --maximize apply")
    func topOrderAndDirection() throws {
        let report = Report(Self.tiny)
        let ranking = try #require(report.parts[0].ranking)
        #expect(ranking.metric == "loss" && ranking.direction == .minimize)
        #expect(labels(report, ranking.best) == ["2x", "2y", "1x", "1y", "3x"])
        #expect(zip(ranking.best.map(\.mean), [0.2, 0.4, 0.5, 0.7, 0.9]).allSatisfy { abs($0 - $1) < 1e-12 })
        // A small table lists no best configurations unless asked.
        #expect(!report.markdown().contains("### Best"))

        var input = Self.tiny
        input.rank(top: 2, direction: .maximize)
        let flipped = Report(input)
        let best = try #require(flipped.parts[0].ranking).best
        #expect(labels(flipped, best) == ["3x", "1y"])
        let markdown = flipped.markdown()
        #expect(markdown.contains("### Best 2 of 5 by `loss` (higher is better)"))
        #expect(markdown.contains("| 1 | 3 | x | 0.90 ± 0.00‡ | 0.10 ± 0.00‡ |"))
        #expect(markdown.contains("| 2 | 1 | y | 0.70 ± 0.00‡ | 0.30 ± 0.00‡ |"))

        // The spec's direction and top work the same way.
        let spec = TableSpec(rows: ["a"], columns: ["b"], metrics: ["acc"], window: 3, top: 1)
        let byAcc = Report(Self.gridInput([[0.5, 0.7], [0.2, 0.4], [0.9, nil]], a: [.int(1), .int(2), .int(3)], b: [.string("x"), .string("y")], table: spec))
        #expect(labels(byAcc, try #require(byAcc.parts[0].ranking).best) == ["2x"])  // acc = 0.8, the highest
    }

    @Test("ranked configurations whose means print alike get the digits that tell them apart")
    func rankedRowsAreTellApart() throws {
        var input = Self.gridInput([[0.9301, 0.9304], [0.9312, 0.5]], a: [.int(1), .int(2)], b: [.string("x"), .string("y")])
        input.rank(top: 3, direction: .minimize)
        let markdown = Report(input).markdown()
        // 2 decimals would print 0.50, 0.93, 0.93: the best three need 4.
        #expect(markdown.contains("| 1 | 2 | y | 0.5000 ± 0.0000‡ |"), "\(markdown)")
        #expect(markdown.contains("| 2 | 1 | x | 0.9301 ± 0.0000‡ |"), "\(markdown)")
        #expect(markdown.contains("| 3 | 1 | y | 0.9304 ± 0.0000‡ |"), "\(markdown)")
    }

    @Test("parameter importance is each param's one-way share of the variance, worked by hand")
    func parameterImportance() {
        // loss: a=1 -> 1, 3; a=2 -> 5, 7. Grand mean 4, total sum of squares 20; a's marginal
        // means 2 and 6 explain 16 (0.80), b's 3 and 5 explain 4 (0.20).
        var input = Self.gridInput([[1, 3], [5, 7]], a: [.int(1), .int(2)], b: [.string("x"), .string("y")])
        input.rank(top: 4, direction: .minimize)
        let markdown = Report(input).markdown()
        #expect(markdown.contains("### Parameter importance"), "\(markdown)")
        #expect(markdown.contains("| a | 0.80 |\n| b | 0.20 |"), "\(markdown)")
    }

    @Test("many fixed parameters are a compact table, a few a sentence")
    func fixedParameters() {
        var input = Self.gridInput([[0.5, 0.7]], a: [.int(1)], b: [.string("x"), .string("y")])
        for index in input.jobs.indices {
            for k in 0..<10 { input.jobs[index].params["fixed\(k)"] = .int(k) }
        }
        let markdown = Report(input).markdown()
        #expect(markdown.contains("| param | value | param | value | param | value |"), "\(markdown)")
        #expect(markdown.contains("| `fixed0` | 0 | `fixed1` | 1 | `fixed2` | 2 |"), "\(markdown)")
        #expect(markdown.contains("| `fixed9` | 9 |  |  |  |  |"), "\(markdown)")
        #expect(Report(Self.tiny).markdown().contains("Fixed parameters:") == false)
    }

    @Test("marginals are the mean, sd and count of the configurations with each value")
    func marginalsByHand() throws {
        let ranking = try #require(Report(Self.tiny).parts[0].ranking)
        #expect(ranking.marginals.map(\.key) == ["a", "b"])
        let a = ranking.marginals[0], b = ranking.marginals[1]
        #expect(a.values == [.int(1), .int(2), .int(3)])
        // a=1: 0.5 and 0.7; a=2: 0.2 and 0.4; a=3: 0.9 alone (its y job failed).
        let a1 = try #require(a.summaries[0]), a2 = try #require(a.summaries[1]), a3 = try #require(a.summaries[2])
        #expect(abs(a1.mean - 0.6) < 1e-12 && abs(a1.sd! - 0.02.squareRoot()) < 1e-12 && a1.count == 2)
        #expect(abs(a2.mean - 0.3) < 1e-12 && abs(a2.sd! - 0.02.squareRoot()) < 1e-12 && a2.count == 2)
        #expect(a3.mean == 0.9 && a3.sd == nil && a3.count == 1)
        // b=x: 0.5, 0.2, 0.9; b=y: 0.7, 0.4.
        let mean = (0.5 + 0.2 + 0.9) / 3
        let sd = (((0.5 - mean) * (0.5 - mean) + (0.2 - mean) * (0.2 - mean) + (0.9 - mean) * (0.9 - mean)) / 2).squareRoot()
        let bx = try #require(b.summaries[0]), by = try #require(b.summaries[1])
        #expect(abs(bx.mean - mean) < 1e-12 && abs(bx.sd! - sd) < 1e-12 && bx.count == 3)
        #expect(abs(by.mean - 0.55) < 1e-12 && abs(by.sd! - 0.045.squareRoot()) < 1e-12 && by.count == 2)
    }

    @Test("the heatmap marks the best cell for the direction and hatches the empty one")
    func heatmapBestCell() throws {
        let report = Report(Self.tiny)
        let grid = try #require(report.parts[0].ranking?.heatmap)
        #expect(grid.xKey == "b" && grid.yKey == "a")
        #expect(grid.best?.x == 0 && grid.best?.y == 1)  // a=2, b=x: loss 0.2
        #expect(grid.mean(x: 1, y: 2).isNaN)
        let svg = try #require(report.plots().first { $0.kind == .heatmap }).svg
        let counter = try XMLElementCounter.parse(svg)
        #expect(counter.classes["cell"] == 5 && counter.classes["empty"] == 1 && counter.classes["best"] == 1)
        #expect(svg.contains("<title>best: a=2, b=x: 0.200</title>"))

        var input = Self.tiny
        input.rank(top: nil, direction: .maximize)
        let flipped = try #require(Report(input).parts[0].ranking?.heatmap)
        #expect(flipped.best?.x == 0 && flipped.best?.y == 2)  // a=3, b=x: loss 0.9
    }

    @Test("a small heatmap is wide enough for its title")
    func smallHeatmapFitsItsTitle() throws {
        var input = Self.gridInput([[0.1, 0.2], [0.3, 0.4]], a: [.int(1), .int(2)], b: [.int(3), .int(4)])
        input.sweep = String(repeating: "a-long-sweep-name-", count: 4)
        let svg = try #require(Report(input).plots().first { $0.kind == .heatmap }).svg
        let title = try #require(svg.firstMatch(of: /<title>([^<]*)<\/title>/)?.1)
        let width = try #require(svg.firstMatch(of: /<svg [^>]*width="(\d+)"/).flatMap { Double($0.1) })
        // 14 px bold text is about 8 px a character in DejaVu Sans.
        #expect(width >= Double(title.count) * 8, "width \(width) for a \(title.count)-character title")
    }

    @Test("heatmap and marginal labels with markup characters are escaped")
    func escapedLabels() throws {
        let hostile = ParamValue.string("<b>&\"x\"")
        let report = Report(Self.gridInput([[0.1, 0.2], [0.3, 0.4]], a: [.int(1), .int(2)], b: [hostile, .string("y")]))
        for kind in [ReportPlot.Kind.heatmap, .marginals] {
            let svg = try #require(report.plots().first { $0.kind == kind }).svg
            _ = try XMLElementCounter.parse(svg)
            #expect(svg.contains("&lt;b&gt;&amp;&quot;x&quot;") && !svg.contains("<b>"), "\(kind)")
        }
    }

    @Test("the heatmap and the best-configurations section match their golden files")
    func goldenFiles() throws {
        var input = Self.tiny
        input.rank(top: 3, direction: nil)
        let report = Report(input)
        try GoldenFile.check(report.markdown(), against: "grid-mini.md")
        try GoldenFile.check(try #require(report.plots().first { $0.kind == .heatmap }).svg, against: "grid-mini-heatmap.svg")
    }

    @Test("a table longer than the row limit is summarised in Markdown, in full in its CSV")
    func rowLimit() throws {
        let count = Report.markdownRowLimit + 100
        let losses = (0..<count).map { [Double($0 % 97) / 100] as [Double?] }
        let input = Self.gridInput(losses, a: (0..<count).map { .int($0) }, b: [.string("x")])
        let report = Report(input)
        let markdown = report.markdown()
        let tableLines = markdown.split(separator: "\n").filter { $0.hasPrefix("| ") }
        #expect(tableLines.count < Report.markdownRowLimit)
        #expect(markdown.contains("The table has \(count) rows, more than the \(Report.markdownRowLimit) shown in full: every row is in `table-1.csv`"))
        #expect(markdown.contains("### Best 10 of \(count) by `loss` (lower is better)"))
        #expect(TableSection.csv(report.tables[0]).split(separator: "\n").count == 1 + count * 2)
    }

    @Test("the jobs left out are listed up to the row limit, each with the params that vary")
    func jobsLeftOutAreBounded() throws {
        let count = Report.markdownRowLimit + 50
        // Every job shares `b`; `a` differs; all but the first fail.
        let losses = (0..<count).map { [$0 == 0 ? 0.5 : nil] as [Double?] }
        let markdown = Report(Self.gridInput(losses, a: (0..<count).map { .int($0) }, b: [.string("x")])).markdown()
        #expect(markdown.contains("## Jobs left out (\(count - 1))"))
        let listed = markdown.split(separator: "\n").filter { $0.contains("| failed |") }
        #expect(listed.count == Report.markdownRowLimit)
        #expect(listed.first?.contains("| a=1, seed=0 | boom |") == true, "\(listed.first ?? "")")
        #expect(markdown.contains("\(count - 1 - Report.markdownRowLimit) more jobs left out are not listed here; `sweep status grid --json` lists every job"))
        #expect(markdown.contains("The config column shows the params that vary in the sweep; the others are the same for every job."))
    }

    @Test("a param only some jobs have varies, and a job without it lists it not")
    func aParamSomeJobsLackVaries() {
        let jobs = [
            ReportJob(id: 1, key: "j1", params: ["a": .int(1), "b": .string("x")], seed: 0, state: .failed, error: "boom"),
            ReportJob(id: 2, key: "j2", params: ["a": .int(1), "b": .string("x"), "c": .int(7)], seed: 0, state: .failed, error: "boom"),
        ]
        let markdown = Report(ReportInput(sweep: "lack", generatedAt: Fixtures.generatedAt, jobs: jobs, tables: [])).markdown()
        #expect(markdown.contains("| 1 | j1 | failed |  | 1 | seed=0 | boom |"), "\(markdown)")
        #expect(markdown.contains("| 2 | j2 | failed |  | 1 | c=7, seed=0 | boom |"), "\(markdown)")
    }

    @Test("20,000 jobs make a bounded number of files, with the axis ending at the last epoch")
    func boundedFiles() throws {
        let a = (0..<200).map { ParamValue.int($0) }, b = (0..<100).map { ParamValue.double(Double($0) / 10) }
        var losses: [[Double?]] = []
        for i in 0..<200 {
            var row: [Double?] = []
            for j in 0..<100 { row.append(Double((i * 7 + j * 13) % 101) / 100) }
            losses.append(row)
        }
        let report = Report(Self.gridInput(losses, a: a, b: b, epochs: 4))
        let scratch = try TemporaryFolder("big")
        let directory = scratch.url.appendingPathComponent("big")
        let written = try report.write(to: directory)
        let names = written.map { $0.lastPathComponent }.sorted()
        #expect(written.count <= 20, "\(names)")
        #expect(names.contains("table-1-heatmap.svg") && names.contains("table-1-marginals.svg") && names.contains("table-1-best.svg"))
        let markdown = try String(contentsOf: directory.appendingPathComponent("report.md"), encoding: .utf8)
        // Header, best 10, two marginals of at most 30 values each, jobs left out: no row per job.
        #expect(markdown.split(separator: "\n").count < Report.markdownRowLimit)
        let heatmap = try XMLElementCounter.parse(try String(contentsOf: directory.appendingPathComponent("table-1-heatmap.svg"), encoding: .utf8))
        #expect(heatmap.classes["cell"] == 20_000)
        // Grouped curves: the best 10, one series each; the x axis ends at epoch 4 (the panel's right edge).
        let best = try String(contentsOf: directory.appendingPathComponent("table-1-best.svg"), encoding: .utf8)
        let paths = best.split(separator: "\n").filter { $0.hasPrefix("<path class=\"mean\"") }
        #expect(paths.count == 10 * 2)
        let firstPath = try #require(paths.first)
        #expect(firstPath.contains("L404.00,"), "the last epoch sits at the right edge: \(firstPath)")
        #expect(best.contains(">a=") && best.contains(", b="))
    }
}

/// Counts elements and `class` attributes while parsing, failing on any XML error.
final class XMLElementCounter: NSObject, XMLParserDelegate {
    var elements: [String: Int] = [:]
    var classes: [String: Int] = [:]

    static func parse(_ text: String) throws -> XMLElementCounter {
        let parser = XMLParser(data: Data(text.utf8))
        let counter = XMLElementCounter()
        parser.delegate = counter
        try #require(parser.parse(), "XML error: \(String(describing: parser.parserError))")
        return counter
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        elements[name, default: 0] += 1
        if let kind = attributes["class"] { classes[kind, default: 0] += 1 }
    }
}
