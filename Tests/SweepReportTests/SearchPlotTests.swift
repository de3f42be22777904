import Foundation
import SweepCore
import SweepReport
import SweepSpec
import Testing

/// The plots of a search (a `sample` section or an objective): parallel coordinates and the
/// param-vs-objective scatter.
@Suite("Search plots")
struct SearchPlotTests {
    /// A random search in miniature: `count` jobs with a log-distributed `lr`, an integer
    /// `width` and a string `optimizer`; `test_acc` peaks at lr = 1e-3 and width 64, so the best
    /// job is known. Job 3 failed and has no point.
    static func randomSearch(count: Int = 24) -> ReportInput {
        var jobs: [ReportJob] = []
        let optimizers = ["adam", "sgd", "rmsprop"]
        for id in 1...count {
            // A deterministic spread over 1e-5 ... 1e-1, widths 16 ... 128.
            let lr = pow(10, -5 + 4 * Double((id * 37) % count) / Double(max(1, count - 1)))
            let width = 16 * (1 + (id * 5) % 8)
            let optimizer = optimizers[id % 3]
            let accuracy = 0.95 - 0.04 * abs(log10(lr) + 3) - 0.0005 * abs(Double(width) - 64) - (optimizer == "sgd" ? 0.02 : 0)
            let began = Fixtures.start.addingTimeInterval(Double(id) * 30)
            jobs.append(ReportJob(
                id: id, key: String(format: "r%05d", id),
                params: ["lr": .double(lr), "width": .int(width), "optimizer": .string(optimizer), "epochs": .int(3)],
                seed: 0, state: id == 3 ? .failed : .done, startedAt: began, finishedAt: began.addingTimeInterval(20),
                error: id == 3 ? "boom" : nil,
                metrics: id == 3 ? [:] : ["test_acc": MetricSeries(epochs: [1, 2, 3], values: [accuracy - 0.1, accuracy - 0.01, accuracy])]))
        }
        var input = ReportInput(sweep: "search", generatedAt: Fixtures.generatedAt, jobs: jobs, tables: [TableSpec(window: 1)])
        input.isSearch = true
        input.objective = Objective(metric: "test_acc", mode: .max)
        input.logScaleKeys = ["lr"]
        return input
    }

    private func plot(_ report: Report, _ name: String) throws -> String {
        try #require(report.plots().first { $0.fileName == name }, "no \(name) among \(report.plots().map(\.fileName))").svg
    }

    /// The `d` of every `<path class="...">` line.
    private func paths(_ svg: String, class name: String) -> [Substring] {
        svg.split(separator: "\n").filter { $0.hasPrefix("<path class=\"\(name)\"") }
    }

    @Test("a search's report has parallel coordinates with a line per done job, an axis per param and the objective last")
    func parallelCoordinates() throws {
        let input = Self.randomSearch()
        let report = Report(input)
        let svg = try plot(report, "table-1-parallel.svg")
        let counter = try XMLElementCounter.parse(svg)
        #expect(counter.classes["job"] == 23)  // 24 jobs, one failed
        // Three param axes and the objective's.
        #expect(counter.classes["axis"] == 4)
        // Four vertices per line: three params and the objective.
        for path in paths(svg, class: "job") {
            #expect(path.filter { $0 == "M" }.count == 1 && path.filter { $0 == "L" }.count == 3, "\(path)")
        }
        #expect(svg.contains(">lr (log)</text>") && svg.contains(">width</text>") && svg.contains(">optimizer</text>"))
        #expect(svg.contains(">test_acc</text>"))
        // lr's axis has a tick per decade from 1e-5 to 0.1.
        for label in ["1e-5", "1e-4", "0.001", "0.01", "0.1"] { #expect(svg.contains(">\(label)</text>"), "\(label)") }
        // The best job (highest test_acc) is the red line, drawn last.
        let best = try #require(input.jobs.filter { $0.state == .done }.max { $0.metrics["test_acc"]!.values.last! < $1.metrics["test_acc"]!.values.last! })
        #expect(svg.contains("<title>best: job \(best.id), test_acc"), "\(svg)")
    }

    @Test("on a log axis a value sits by its logarithm; categories are evenly spaced")
    func logAndCategoryPositions() throws {
        // Two jobs: lr 1e-4 and 1e-2 on an axis of decades 1e-4 ... 1e-2: the bottom and top.
        let jobs = [(1, 1e-4, "a", 0.5), (2, 1e-2, "b", 0.7), (3, 1e-3, "c", 0.6)].map { id, lr, name, value in
            ReportJob(id: id, key: "k\(id)", params: ["lr": .double(lr), "kind": .string(name)], seed: 0, state: .done,
                      metrics: ["acc": MetricSeries(epochs: [1], values: [value])])
        }
        var input = ReportInput(sweep: "s", generatedAt: Fixtures.generatedAt, jobs: jobs, tables: [TableSpec(metrics: ["acc"], window: 1, direction: .maximize)])
        input.isSearch = true
        input.logScaleKeys = ["lr"]
        let svg = try plot(Report(input), "table-1-parallel.svg")
        // Plot area y from 90 (top) to 390 (bottom); axes x = 60 (kind), 300 (lr), 540 (acc): the
        // caption makes the figure wide, and the axes spread at twice their usual gap.
        // Params are in table order: kind, lr.
        let lines = paths(svg, class: "job")
        #expect(lines.count == 3)
        // Worst first: job 1 (a, 1e-4): kind at 1/6 of the way up, lr at the bottom.
        #expect(lines[0].contains("d=\"M60.0,340.0L300.0,390.0L"), "\(lines[0])")
        // Job 3 (c, 1e-3): kind at 5/6, lr in the middle.
        #expect(lines[1].contains("d=\"M60.0,140.0L300.0,240.0L"), "\(lines[1])")
        #expect(lines[2].contains("d=\"M60.0,240.0L300.0,90.0L"), "\(lines[2])")
    }

    @Test("the scatter has a panel per param and a point per done job in each, the best outlined")
    func scatter() throws {
        let svg = try plot(Report(Self.randomSearch()), "table-1-scatter.svg")
        let counter = try XMLElementCounter.parse(svg)
        #expect(counter.classes["panel"] == 3)
        #expect(counter.classes["best"] == 3)
        // 23 points per panel plus the best's outline.
        #expect(counter.elements["circle"] == 3 * 23 + 3)
        #expect(svg.contains(">lr (log scale)</text>"))
    }

    @Test("a grid sweep without search gets neither plot, and a param-less search neither")
    func onlyForSearches() throws {
        var input = Self.randomSearch()
        input.isSearch = false
        #expect(!Report(input).plots().contains { $0.kind == .parallel || $0.kind == .scatter })
        let jobs = (1...3).map { ReportJob(id: $0, key: "k\($0)", params: [:], seed: $0, state: .done,
                                           metrics: ["acc": MetricSeries(epochs: [1], values: [Double($0)])]) }
        var seedsOnly = ReportInput(sweep: "s", generatedAt: Fixtures.generatedAt, jobs: jobs)
        seedsOnly.isSearch = true
        #expect(!Report(seedsOnly).plots().contains { $0.kind == .parallel || $0.kind == .scatter })
    }

    @Test("5,000 jobs draw a bounded, deterministic sample that keeps the best")
    func thinning() throws {
        let input = Self.randomSearch(count: 5_000)
        let report = Report(input)
        let svg = try plot(report, "table-1-parallel.svg")
        let counter = try XMLElementCounter.parse(svg)
        #expect(counter.classes["job"] == 1_000)
        #expect(svg.contains("1000 of 4999 jobs drawn: the best 200 and an even sample of the rest"))
        #expect(svg.utf8.count < 200_000, "\(svg.utf8.count) bytes")
        let best = try #require(input.jobs.filter { $0.state == .done }.max { $0.metrics["test_acc"]!.values.last! < $1.metrics["test_acc"]!.values.last! })
        #expect(svg.contains("<title>best: job \(best.id), test_acc"))
        #expect(try plot(Report(input), "table-1-parallel.svg") == svg)
        let scatter = try plot(report, "table-1-scatter.svg")
        #expect(try XMLElementCounter.parse(scatter).elements["circle"] == 3 * 1_000 + 3)
        #expect(scatter.utf8.count < 200_000, "\(scatter.utf8.count) bytes")
    }

    @Test("labels with markup characters are escaped in both plots")
    func escaping() throws {
        let jobs = (1...3).map { id in
            ReportJob(id: id, key: "k\(id)", params: ["<k&>": .string("<v\(id)>")], seed: 0, state: .done,
                      metrics: ["a<b": MetricSeries(epochs: [1], values: [Double(id)])])
        }
        var input = ReportInput(sweep: "s", generatedAt: Fixtures.generatedAt, jobs: jobs)
        input.isSearch = true
        let report = Report(input)
        for name in ["table-1-parallel.svg", "table-1-scatter.svg"] {
            let svg = try plot(report, name)
            _ = try XMLElementCounter.parse(svg)
            #expect(!svg.contains("<k&>") && !svg.contains("<v1>") && svg.contains("&lt;v1&gt;"), "\(name)")
        }
    }

    @Test("the parallel coordinates and scatter match their golden files")
    func goldenFiles() throws {
        let report = Report(Self.randomSearch(count: 12))
        try GoldenFile.check(try plot(report, "table-1-parallel.svg"), against: "search-parallel.svg")
        try GoldenFile.check(try plot(report, "table-1-scatter.svg"), against: "search-scatter.svg")
    }
}

/// Heatmaps and marginals over params with few values; error bars across seeds; the
/// objective as every figure's metric.
@Suite("Marginals of searches")
struct SearchMarginalTests {
    @Test("a random search's continuous param is binned into quantiles, and gets no heatmap")
    func continuousParamsAreBinned() throws {
        var input = SearchPlotTests.randomSearch(count: 80)
        input.rank(top: 5, direction: nil)
        let report = Report(input)
        let ranking = try #require(report.parts[0].ranking)
        #expect(ranking.heatmap == nil)
        let lr = try #require(ranking.marginals.first { $0.key == "lr" })
        #expect(lr.isBinned)
        #expect(lr.values.count == 8)
        // 79 done configurations in 8 bins of about equal n, ranges in increasing order.
        let counts = lr.summaries.map { $0?.count ?? 0 }
        #expect(counts.reduce(0, +) == 79 && counts.allSatisfy { (9...11).contains($0) }, "\(counts)")
        let lows = lr.values.compactMap { value -> Double? in
            guard case .string(let text)? = value else { return nil }
            return Double(text.split(separator: "–")[0])
        }
        #expect(lows.count == 8 && lows == lows.sorted(), "\(lr.values)")
        // Every sampled param has a marginal, though only lr makes the table's rows; optimizer
        // keeps its three values.
        #expect(Set(ranking.marginals.map(\.key)) == ["lr", "optimizer", "width"])
        let optimizer = try #require(ranking.marginals.first { $0.key == "optimizer" })
        #expect(!optimizer.isBinned && optimizer.values == [.string("adam"), .string("rmsprop"), .string("sgd")])
        let markdown = report.markdown()
        #expect(markdown.contains("| lr (bin) | test_acc | n |"), "\(markdown)")
        // Binned, lr's importance is a real share (one point per configuration would give 1.00):
        // test_acc depends on lr most, then on the optimizer and width.
        let importance = try #require(markdown.components(separatedBy: "### Parameter importance").last)
        let lrShare = try #require(importance.split(separator: "\n").first { $0.hasPrefix("| lr |") })
        #expect(!lrShare.contains("1.00"), "\(importance)")
        #expect(!report.plots().contains { $0.kind == .heatmap })
    }

    @Test("a grid param with few values keeps its values and the heatmap")
    func fewValuesAreKept() throws {
        let losses = (0..<3).map { i in (0..<2).map { j -> Double? in Double(i + j) / 10 } }
        let report = Report(BigReportTests.gridInput(losses, a: [.int(1), .int(2), .int(3)], b: [.string("x"), .string("y")]))
        let ranking = try #require(report.parts[0].ranking)
        #expect(ranking.heatmap != nil)
        #expect(ranking.marginals.allSatisfy { !$0.isBinned })
    }

    /// Two configurations per value of `a`, each with two seeds whose window means differ by
    /// 2 * d: the sd across seeds is d * sqrt(2), pooled over the configurations.
    @Test("marginal error bars are the sd across seeds, not the spread over the other params")
    func errorBarsAreAcrossSeeds() throws {
        var jobs: [ReportJob] = []
        let spread: [String: Double] = ["x": 0.01, "y": 0.03]
        for a in 1...2 {
            for b in ["x", "y"] {
                for seed in 0...1 {
                    // The other param moves the mean by 0.3: a large spread over b, small across seeds.
                    let value = 0.5 + 0.1 * Double(a) + (b == "y" ? 0.3 : 0) + (seed == 0 ? -1 : 1) * spread[b]!
                    jobs.append(ReportJob(id: jobs.count + 1, key: "k\(jobs.count)", params: ["a": .int(a), "b": .string(b)], seed: seed,
                                          state: .done, metrics: ["acc": MetricSeries(epochs: [1], values: [value])]))
                }
            }
        }
        let input = ReportInput(sweep: "s", generatedAt: Fixtures.generatedAt, jobs: jobs,
                                tables: [TableSpec(rows: ["a"], columns: ["b"], metrics: ["acc"], window: 1, top: 3)])
        let report = Report(input)
        let marginal = try #require(report.parts[0].ranking?.marginals.first { $0.key == "a" })
        // Per configuration the sd of two values ±d is d√2; pooled (root mean square) over x and y.
        let expected = ((0.01 * 0.01 * 2 + 0.03 * 0.03 * 2) / 2).squareRoot()
        for sd in marginal.seedSD { #expect(abs(try #require(sd) - expected) < 1e-12) }
        let plot = try #require(report.plots().first { $0.kind == .marginals }).svg
        #expect(plot.contains("bars: ± sd across seeds"))
        // The bar spans mean ± the seed sd, not ± 0.21 (the sd over b).
        let bars = plot.split(separator: "\n").filter { $0.contains("class=\"sd\"") }
        #expect(bars.count == 4)
        let markdown = report.markdown()
        #expect(markdown.contains("| a | acc | ± seeds | n |"), "\(markdown)")

        // One seed each: no bars, and the caption says why.
        let single = ReportInput(sweep: "s", generatedAt: Fixtures.generatedAt, jobs: jobs.filter { $0.seed == 0 },
                                 tables: [TableSpec(rows: ["a"], columns: ["b"], metrics: ["acc"], window: 1)])
        let singlePlot = try #require(Report(single).plots().first { $0.kind == .marginals }).svg
        #expect(singlePlot.contains("one seed per configuration: no error bars"))
        #expect(!singlePlot.contains("class=\"sd\""))
    }

    @Test("a table listing train_acc first but titled by the objective plots the objective")
    func figuresShowTheObjective() throws {
        var input = Fixtures.distSweep()
        input.tables = [TableSpec(title: "test accuracy by distribution and dataset", rows: ["distribution"], columns: ["dataset"],
                                  metrics: ["train_acc", "test_acc"], window: 3)]
        input.objective = Objective(metric: "test_acc", mode: .max)
        let report = Report(input)
        let ranking = try #require(report.parts[0].ranking)
        #expect(ranking.metric == "test_acc" && ranking.direction == .maximize)
        let heatmap = try #require(report.plots().first { $0.kind == .heatmap })
        #expect(heatmap.rowLabel.hasPrefix("test_acc by"))
        #expect(heatmap.svg.contains("mean test_acc;") && !heatmap.svg.contains("train_acc"))
        // Without an objective, the first metric leads as before.
        input.objective = nil
        #expect(Report(input).parts[0].ranking?.metric == "train_acc")
    }
}
