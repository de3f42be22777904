import Foundation
import SweepCore
import SweepReport
import SweepSpec
import SweepTestSupport
import Testing

@Suite("Writing report files")
struct WriteTests {
    private func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("report-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test("write puts every format's files in the directory and nothing else")
    func writesAllFiles() throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let directory = root.appendingPathComponent("Reports/dist-mini")
        let report = Report(Fixtures.distSweep())
        let written = try report.write(to: directory)
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        // Two swept params (distribution x dataset): a heatmap and the marginals besides the curves.
        #expect(names == [
            "index.md", "metrics.csv", "report.md", "table-1-bernoulli.svg", "table-1-beta.svg", "table-1-heatmap.svg",
            "table-1-marginals.svg", "table-1.csv",
        ])
        #expect(Set(written.map(\.lastPathComponent)) == Set(names))
        if let dump = ProcessInfo.processInfo.environment["SWEEP_REPORT_DUMP"] {
            _ = try report.write(to: URL(fileURLWithPath: dump))
        }
        // The streamed file equals the in-memory rendering byte for byte.
        let streamed = try String(contentsOf: directory.appendingPathComponent("metrics.csv"), encoding: .utf8)
        #expect(streamed == report.tidyCSV())
        let markdown = try String(contentsOf: directory.appendingPathComponent("report.md"), encoding: .utf8)
        #expect(markdown == report.markdown())
    }

    @Test("pandas loads both CSVs as is and recomputes every table cell from metrics.csv")
    func pandasRecomputesCells() throws {
        let python = "/usr/bin/python3"
        try #require(FileManager.default.isExecutableFile(atPath: python), "needs Debian's python3 (make setup installs it)")
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Report(Fixtures.distSweep()).write(to: directory, formats: .csv)
        let script = """
            import sys
            try:
                import pandas as pd
            except ImportError:
                sys.exit(3)
            d = sys.argv[1]
            m = pd.read_csv(d + "/metrics.csv")
            t = pd.read_csv(d + "/table-1.csv")
            assert str(m["value"].dtype) == "float64" and str(m["epoch"].dtype) == "int64"
            checked = 0
            for _, cell in t[t.metric != "wall_time"].dropna(subset=["mean"]).iterrows():
                s = m[(m.distribution == cell.distribution) & (m.dataset == cell.dataset) & (m.metric == cell.metric)]
                means = s.sort_values("epoch").groupby("seed").tail(int(cell.window)).groupby("seed")["value"].mean()
                assert len(means) == cell.n, (cell.to_dict(), len(means))
                assert abs(means.mean() - cell["mean"]) < 1e-12, cell.to_dict()
                assert abs(means.std(ddof=1) - cell["sd"]) < 1e-12, cell.to_dict()
                checked += 1
            assert checked == 8, checked
            """
        let checked = try Program.run(python, ["-c", script, directory.path])
        #expect(checked.status != 3, "needs pandas: apt-get install python3-pandas (make setup does)")
        #expect(checked.status == 0, "\(checked.stdout)\n\(checked.stderr)")
    }

    @Test("--format md writes only the Markdown and an index linking it")
    func markdownOnly() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Report(Fixtures.distSweep()).write(to: directory, formats: try ReportFormats(flag: "md"))
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        #expect(names == ["index.md", "report.md"])
        let index = try String(contentsOf: directory.appendingPathComponent("index.md"), encoding: .utf8)
        #expect(!index.contains(".csv") && !index.contains(".svg"))
    }

    @Test("a failed write leaves no partial files and no staging directory")
    func failedWriteLeavesNothing() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // A directory where report.md must go makes the first rename fail.
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("report.md"), withIntermediateDirectories: false)
        #expect(throws: (any Error).self) { try Report(Fixtures.distSweep()).write(to: directory) }
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        #expect(names == ["report.md"])
    }

    @Test("an output folder that is a file or a device is a clear error naming it, and nothing is written")
    func outputIsNotAFolder() throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let file = root.appendingPathComponent("afile")
        try Data("x".utf8).write(to: file)
        let report = Report(Fixtures.distSweep())
        #expect(throws: ReportOutputError(path: file.path, message: "is a file, not a folder; move it away or choose another --out")) {
            try report.write(intoFolder: file)
        }
        #expect(throws: ReportOutputError(path: file.path, message: "is a file, not a folder; move it away or choose another --out")) {
            try report.write(intoFolder: file.appendingPathComponent("sub"))
        }
        #expect(throws: ReportOutputError(path: "/dev/null", message: "is a device, not a folder; move it away or choose another --out")) {
            try report.write(intoFolder: URL(fileURLWithPath: "/dev/null"))
        }
        // The sweep's own folder is a file.
        let out = root.appendingPathComponent("Reports")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: false)
        try Data("x".utf8).write(to: out.appendingPathComponent("dist-mini"))
        do {
            _ = try report.write(intoFolder: out)
            Issue.record("expected an error")
        } catch {
            #expect(error.description == "cannot write the report to \(out.path)/dist-mini: is a file, not a folder; move it away or choose another --out")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path) == ["dist-mini"])
        #expect(try String(contentsOf: file, encoding: .utf8) == "x")
    }

    @Test("a sweep name that is not a plain name cannot make the report leave its --out folder", arguments: ["..", ".", "a/b", "../x", ""])
    func nameStaysInside(name: String) throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let out = root.appendingPathComponent("Reports")
        var input = Fixtures.distSweep()
        input.sweep = name
        #expect(throws: ReportOutputError.self) { try Report(input).write(intoFolder: out) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.path).filter { $0 != "Reports" } == [])
        let inside = (try? FileManager.default.contentsOfDirectory(atPath: out.path)) ?? []
        #expect(inside.isEmpty)
    }

    @Test("a report folder that is a symbolic link to elsewhere is refused")
    func symlinkedFolder() throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let out = root.appendingPathComponent("Reports")
        let elsewhere = root.appendingPathComponent("elsewhere")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: false)
        try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: false)
        try FileManager.default.createSymbolicLink(at: out.appendingPathComponent("dist-mini"), withDestinationURL: elsewhere)
        #expect(throws: ReportOutputError.self) { try Report(Fixtures.distSweep()).write(intoFolder: out) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: elsewhere.path).isEmpty)
        // A plain name in a fresh folder works, and lands in out/<name>.
        let (folder, files) = try Report(Fixtures.distSweep()).write(intoFolder: root.appendingPathComponent("fresh/Reports"))
        #expect(folder.lastPathComponent == "dist-mini" && files.count == 8)
    }

    @Test("unknown formats are rejected naming the flag")
    func badFormat() {
        #expect(throws: ReportSpecError(path: "--format", message: "unknown format \"pdf\"; expected md, csv, svg or all")) {
            try ReportFormats(flag: "md,pdf")
        }
    }
}
