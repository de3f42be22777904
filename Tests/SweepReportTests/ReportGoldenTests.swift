import Foundation
import SweepCore
import SweepReport
import SweepSpec
import Testing

@Suite("Golden reports")
struct ReportGoldenTests {
    @Test("a finished sweep with a failed and a pending job renders the expected Markdown")
    func finishedSweepMarkdown() throws {
        try GoldenFile.check(Report(Fixtures.distSweep()).markdown(), against: "dist-mini.md")
    }

    @Test("a running sweep says it is partial and lists the running job")
    func runningSweepMarkdown() throws {
        let markdown = Report(Fixtures.distSweep(isRunning: true)).markdown()
        try GoldenFile.check(markdown, against: "dist-mini-running.md")
        #expect(markdown.contains("**running**"))
    }

    @Test("the default table has one row per configuration and every metric")
    func defaultTableMarkdown() throws {
        var input = Fixtures.distSweep()
        input.tables = []
        try GoldenFile.check(Report(input).markdown(), against: "dist-mini-default.md")
    }

    @Test("the table CSV matches its golden file")
    func tableCSV() throws {
        let report = Report(Fixtures.distSweep())
        try GoldenFile.check(TableSection.csv(report.tables[0]), against: "dist-mini-table-1.csv")
    }

    @Test("the tidy metrics CSV matches its golden file")
    func tidyCSV() throws {
        try GoldenFile.check(Report(Fixtures.distSweep()).tidyCSV(), against: "dist-mini-metrics.csv")
    }

    @Test("the index links the report, CSVs and plots")
    func index() throws {
        let report = Report(Fixtures.distSweep())
        try GoldenFile.check(report.index(formats: .all), against: "dist-mini-index.md")
    }

    /// Early stopping in a report: cells count done jobs and say how many were stopped, the
    /// compute line counts the stopped jobs' epochs, and the curves draw each stopped job dashed.
    @Test("a sweep with stopped jobs renders the expected Markdown and curves")
    func stoppedSweep() throws {
        let report = Report(Fixtures.stopSweep())
        let markdown = report.markdown()
        try GoldenFile.check(markdown, against: "stop-mini.md")
        #expect(markdown.contains("- Compute: 55 of 81 epochs (68 %); 4 jobs stopped early"))
        #expect(markdown.contains("(n=2 of 3, 1 stopped)"))
        #expect(markdown.contains("— (3 stopped)"))
        let curves = try #require(report.plots().first { $0.kind == .curves })
        try GoldenFile.check(curves.svg, against: "stop-mini-curves.svg")
    }
}
