import Foundation
import SweepCore
import Synchronization
import SweepReport
import Testing

/// A section kind the report module has never heard of, with its three renderers and a
/// figure: adding a section is this much.
private struct JobCountSection: ReportSection {
    let table: ReportTable

    func markdown() -> [String] {
        ["", "### Jobs behind the table", "", "\(table.jobCount) jobs in \(table.heading)."]
    }

    func json(into object: inout [String: JSONValue]) {
        object["job_count"] = .int(table.jobCount)
    }

    func csvFiles() -> [ReportCSVFile] {
        [ReportCSVFile(name: "table-\(table.number)-jobs.csv", label: "Jobs CSV") { [table] in "jobs\n\(table.jobCount)\n" }]
    }

    func figures() -> [ReportPlot] {
        [ReportPlot(rowLabel: "\(table.jobCount) jobs", fileName: "table-\(table.number)-jobs.svg",
                    svg: "<svg xmlns=\"http://www.w3.org/2000/svg\"><text>\(table.jobCount)</text></svg>\n", kind: .other("Job count"))]
    }
}

/// A section whose figure is named as given: a path out of the folder, or another's name.
private struct NamedFigureSection: ReportSection {
    let fileName: String
    func markdown() -> [String] { [] }
    func json(into object: inout [String: JSONValue]) {}
    func csvFiles() -> [ReportCSVFile] { [] }
    func figures() -> [ReportPlot] { [ReportPlot(rowLabel: "named", fileName: fileName, svg: "<svg/>\n")] }
}

/// How often a figure was drawn (a class: a `Mutex` cannot be copied with a section).
private final class DrawCount: Sendable {
    let count = Mutex(0)
}

/// A section whose figure counts how often it is drawn.
private struct CountedFigureSection: ReportSection {
    let draws: DrawCount
    func markdown() -> [String] { [] }
    func json(into object: inout [String: JSONValue]) {}
    func csvFiles() -> [ReportCSVFile] { [] }
    func figures() -> [ReportPlot] {
        [ReportPlot(rowLabel: "counted", fileName: "table-1-counted.svg", svg: draws.count.withLock { count in
            count += 1
            return "<svg/>\n"
        })]
    }
}

/// A section that draws learning curves of its own: index.md lists them with the table's.
private struct ExtraCurvesSection: ReportSection {
    func markdown() -> [String] { [] }
    func json(into object: inout [String: JSONValue]) {}
    func csvFiles() -> [ReportCSVFile] { [] }
    func figures() -> [ReportPlot] {
        [ReportPlot(rowLabel: "every job at once", fileName: "table-1-every-job.svg", svg: "<svg/>\n")]
    }
}

@Suite("Report sections")
struct ReportSectionTests {
    @Test("a new section kind added outside the module renders in report.md, the JSON, its CSV and the index")
    func toySectionRendersEverywhere() throws {
        let plain = Report(Fixtures.distSweep())
        var report = plain
        report.parts[0].sections.append(JobCountSection(table: report.parts[0].table))
        // The fixture's 10 jobs: 4 configurations of 2 seeds, a failed and a pending one.
        let added = "\n\n### Jobs behind the table\n\n10 jobs in MLP-DDQN by distribution."

        let markdown = report.markdown()
        #expect(markdown.contains(added))
        // Nothing else moved: without the section's lines it is the plain report.
        #expect(markdown.replacingOccurrences(of: added, with: "") == plain.markdown())

        let table = try #require(report.tablesJSON()["tables"]?.arrayValue?.first)
        #expect(table["job_count"] == .int(10))
        #expect(table["heading"] == plain.tablesJSON()["tables"]?.arrayValue?.first?["heading"])

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sections-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try report.write(to: folder, formats: .csv)
        #expect(try String(contentsOf: folder.appendingPathComponent("table-1-jobs.csv"), encoding: .utf8) == "jobs\n10\n")
        let index = try String(contentsOf: folder.appendingPathComponent("index.md"), encoding: .utf8)
        #expect(index.contains("- [Table CSV](table-1.csv)\n- [Jobs CSV](table-1-jobs.csv)\n"))
    }

    @Test("a table's sections come in report.md's order, the summaries only where report.md shows them")
    func sectionOrder() throws {
        let kinds = Report(Fixtures.distSweep()).parts.map { $0.sections.map { String(describing: type(of: $0)) } }
        #expect(kinds == [["TableSection", "DifferencesSection", "FiguresSection"]])
        var input = Fixtures.distSweep()
        input.tables[0].top = 2
        let ranked = Report(input).parts[0].sections.map { String(describing: type(of: $0)) }
        #expect(ranked == ["TableSection", "BestConfigurationsSection", "MarginalsSection", "ImportanceSection", "DifferencesSection", "FiguresSection"])
    }

    @Test("a section's figure is written as its SVG and listed in index.md under its table, curves with the curves")
    func toySectionFigure() throws {
        let plain = Report(Fixtures.distSweep())
        var report = plain
        report.parts[0].sections.insert(JobCountSection(table: report.parts[0].table), at: 1)
        report.parts[0].sections.append(ExtraCurvesSection())
        #expect(report.plots().map(\.fileName) == ["table-1-jobs.svg"] + plain.plots().map(\.fileName) + ["table-1-every-job.svg"])

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sections-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let written = try report.write(to: folder, formats: [.csv, .svg]).map(\.lastPathComponent)
        #expect(written.contains("table-1-jobs.svg") && written.contains("table-1-every-job.svg"))
        #expect(try String(contentsOf: folder.appendingPathComponent("table-1-jobs.svg"), encoding: .utf8)
            == "<svg xmlns=\"http://www.w3.org/2000/svg\"><text>10</text></svg>\n")
        let index = try String(contentsOf: folder.appendingPathComponent("index.md"), encoding: .utf8)
        // Its own kind's line leads the table's figures (the section comes before the
        // figures section); its curves end the table's list of learning curves.
        let figureLine = "- [Job count: 10 jobs](table-1-jobs.svg)\n"
        let curveLine = "  - [every job at once](table-1-every-job.svg)\n"
        #expect(index.contains("- [Jobs CSV](table-1-jobs.csv)\n" + figureLine + "- [Heatmap: "))
        #expect(index.hasSuffix("](table-1-bernoulli.svg)\n" + curveLine))
        // Nothing else moved: without those lines and the CSV's it is the plain report's index.
        let bare = index.replacingOccurrences(of: figureLine, with: "").replacingOccurrences(of: curveLine, with: "")
            .replacingOccurrences(of: "- [Jobs CSV](table-1-jobs.csv)\n", with: "")
        #expect(bare == plain.index(formats: [.csv, .svg]))
        // Without SVG, no figure is listed.
        #expect(!report.index(formats: .csv).contains(".svg"))
    }

    @Test("a section's file named out of the folder, or as another's, is a clear error and nothing is written", arguments: [
        ("../escape.svg", "is not one file name in the report folder"), ("..", "is not one file name"), ("", "is not one file name"),
        ("table-1-beta.svg", "two of the report's files have this name"), ("table-1.csv", "two of the report's files have this name"),
    ])
    func sectionFileNamesStayInTheFolder(name: String, message: String) throws {
        var report = Report(Fixtures.distSweep())
        report.parts[0].sections.append(NamedFigureSection(fileName: name))
        let parent = FileManager.default.temporaryDirectory.appendingPathComponent("sections-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: parent) }
        let folder = parent.appendingPathComponent("report")
        #expect {
            try report.write(to: folder, formats: .all)
        } throws: { error in
            (error as? ReportOutputError)?.message.contains(message) == true
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == [])
        #expect(try FileManager.default.contentsOfDirectory(atPath: parent.path) == ["report"])
    }

    @Test("index.md lists a figure without drawing it; writing draws it once")
    func figuresAreDrawnOnlyWhenWritten() throws {
        let draws = DrawCount()
        var report = Report(Fixtures.distSweep())
        report.parts[0].sections.append(CountedFigureSection(draws: draws))
        #expect(report.index(formats: .all).contains("  - [counted](table-1-counted.svg)\n"))
        #expect(draws.count.withLock { $0 } == 0)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sections-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try report.write(to: folder, formats: .all)
        #expect(draws.count.withLock { $0 } == 1)
        #expect(try String(contentsOf: folder.appendingPathComponent("table-1-counted.svg"), encoding: .utf8) == "<svg/>\n")
    }
}
