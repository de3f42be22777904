import Foundation
import SweepCore
import SweepReport
import SweepSpec
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
        #expect(names == ["index.md", "metrics.csv", "report.md", "table-1-bernoulli.svg", "table-1-beta.svg", "table-1.csv"])
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
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", script, directory.path]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus != 3, "needs pandas: apt-get install python3-pandas (make setup does)")
        #expect(process.terminationStatus == 0)
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

    @Test("unknown formats are rejected naming the flag")
    func badFormat() {
        #expect(throws: ReportSpecError(path: "--format", message: "unknown format \"pdf\"; expected md, csv, svg or all")) {
            try ReportFormats(flag: "md,pdf")
        }
    }
}
