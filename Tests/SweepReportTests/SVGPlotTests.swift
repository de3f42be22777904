import Foundation
import SweepCore
import SweepReport
import SweepSpec
import SweepTestSupport
import Testing
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Counts elements by name while parsing, failing on any XML error.
private final class ElementCounter: NSObject, XMLParserDelegate {
    var counts: [String: Int] = [:]
    var rootName: String?

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        if rootName == nil { rootName = name }
        counts[name, default: 0] += 1
    }
}

@Suite("SVG learning curves")
struct SVGPlotTests {
    private func parse(_ svg: String) throws -> ElementCounter {
        let parser = XMLParser(data: Data(svg.utf8))
        let counter = ElementCounter()
        parser.delegate = counter
        let ok = parser.parse()
        #expect(ok, "XML error: \(String(describing: parser.parserError))")
        return counter
    }

    @Test("every plot is well-formed SVG with one mean path per series and panel")
    func onePathPerSeries() throws {
        let report = Report(Fixtures.distSweep())
        let plots = report.plots().filter { $0.kind == .curves }
        // Rows beta and bernoulli; uniform has nothing done and gets no plot.
        #expect(plots.map(\.fileName) == ["table-1-beta.svg", "table-1-bernoulli.svg"])
        for plot in plots {
            let counter = try parse(plot.svg)
            #expect(counter.rootName == "svg")
            // Two metrics with epochs (wall_time is not plotted) x two datasets.
            #expect(counter.counts["path"] == 2 * 2, "\(plot.fileName)")
            // Two seeds per series: every series has its ± sd band.
            #expect(counter.counts["polygon"] == 2 * 2, "\(plot.fileName)")
            #expect(counter.counts["script"] == nil)
            #expect(plot.svg.contains(">epoch</text>"))
            // The legend names the param.
            #expect(plot.svg.contains(">dataset=mnist</text>"))
        }
    }

    @Test("a series backed by one seed has a line but no band")
    func singleSeedHasNoBand() throws {
        let report = Report(Fixtures.distSweep(isRunning: true))
        let bernoulli = try #require(report.plots().first { $0.fileName == "table-1-bernoulli.svg" })
        let counter = try parse(bernoulli.svg)
        #expect(counter.counts["path"] == 4)
        #expect(counter.counts["polygon"] == 2)  // only mnist has two seeds
    }

    @Test("NaN values break the line instead of breaking the document")
    func nanValues() throws {
        let values: [Double] = [0.5, .nan, 0.6, 0.7, .infinity]
        let job = ReportJob(id: 1, key: "k", params: [:], seed: 0, state: .done,
                            metrics: ["loss": MetricSeries(epochs: [1, 2, 3, 4, 5], values: values)])
        let report = Report(ReportInput(sweep: "s", generatedAt: Fixtures.generatedAt, jobs: [job], tables: [TableSpec(window: 2)]))
        let svg = try #require(report.plots().first).svg
        let counter = try parse(svg)
        #expect(counter.counts["path"] == 1)
        #expect(!svg.contains("nan") && !svg.contains("inf"))
        // Two pen-downs: the NaN at epoch 2 splits the line; the infinity is skipped.
        let path = try #require(svg.split(separator: "\n").first { $0.hasPrefix("<path") })
        #expect(path.filter { $0 == "M" }.count == 2)
        #expect(report.markdown().contains("| all | inf ± nan‡ |"))  // inf - inf has no sd
    }

    @Test("labels with markup characters are escaped")
    func escaping() throws {
        var input = Fixtures.distSweep()
        input.sweep = "a<b & \"c\""
        let svg = try #require(Report(input).plots().first).svg
        _ = try parse(svg)
        #expect(svg.contains("a&lt;b &amp; &quot;c&quot;"))
    }

    @Test("the learning curve is the per-epoch mean and sd across seeds")
    func curveStatistics() throws {
        let a = MetricSeries(epochs: [1, 2, 3], values: [1, 2, 3])
        let b = MetricSeries(epochs: [2, 3, 4], values: [4, 6, 8])
        let curve = try #require(LearningCurve(seeds: [a, b]))
        #expect(curve.epochs == [1, 2, 3, 4])
        #expect(curve.means == [1, 3, 4.5, 8])
        #expect(curve.sds[0].isNaN && curve.sds[3].isNaN)
        #expect(abs(curve.sds[1] - 2.0.squareRoot()) < 1e-12)        // values 2, 4
        #expect(abs(curve.sds[2] - (4.5).squareRoot()) < 1e-12)       // values 3, 6
        #expect(curve.seeds == 2)
    }

    @Test("rsvg-convert renders every plot")
    func rendersWithRsvg() throws {
        let tool = "/usr/bin/rsvg-convert"
        try #require(FileManager.default.isExecutableFile(atPath: tool), "needs rsvg-convert: apt-get install librsvg2-bin (make setup does)")
        let scratch = try TemporaryFolder("svg")
        let directory = scratch.url
        for plot in Report(Fixtures.distSweep()).plots() {
            let svg = directory.appendingPathComponent(plot.fileName)
            try Data(plot.svg.utf8).write(to: svg)
            let rendered = try Program.run(tool, ["-o", svg.appendingPathExtension("png").path, svg.path])
            #expect(rendered.status == 0, "rsvg-convert failed on \(plot.fileName): \(rendered.stderr)")
            #expect(FileManager.default.fileExists(atPath: svg.appendingPathExtension("png").path))
        }
    }

    /// Each stopped job is one dashed path of its series' colour ending at its last epoch
    /// (a dot there); mean lines and bands stay over done jobs only.
    @Test("stopped jobs are dashed paths of their own, ending where they stopped")
    func stoppedJobsAreDashedAndEndAtTheirEpoch() throws {
        let plots = Report(Fixtures.stopSweep()).plots().filter { $0.kind == .curves }
        let svg = try #require(plots.first).svg
        #expect(plots.count == 1)
        let counter = try parse(svg)
        #expect(svg.components(separatedBy: "class=\"mean\"").count - 1 == 2, "lr 0.001 has no done job: no mean line")
        #expect(svg.components(separatedBy: "class=\"stopped\"").count - 1 == 4)
        #expect(svg.components(separatedBy: "class=\"stop-end\"").count - 1 == 4)
        #expect(counter.counts["path"] == 6)
        for epoch in [3, 3, 3, 1] {
            #expect(svg.contains("stopped at epoch \(epoch)"))
        }
        // The epoch-1 job is a single point: a path of one move, and its dot.
        let single = try #require(svg.components(separatedBy: "<path class=\"stopped\"").first { $0.contains("stopped at epoch 1") })
        #expect(!single.prefix(while: { $0 != ">" }).contains("L"), "one epoch: no line segment")
        #expect(svg.contains("stopped early: one job each"))
        // Without stopped jobs, no legend entry for them.
        let plain = try #require(Report(Fixtures.distSweep()).plots().first { $0.kind == .curves }).svg
        #expect(!plain.contains("stopped early") && !plain.contains("class=\"stopped\""))
    }
}
