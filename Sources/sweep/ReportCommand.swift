import ArgumentParser
import Foundation
import SweepCore
import SweepReport
import SweepSpec
import SweepStore

extension Sweep {
    struct ReportCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "report",
            abstract: "Write a sweep's tables (Markdown, CSV) and learning curves (SVG).",
            discussion: """
                Tables come from --rows/--columns/--metrics if given, else from the spec's \
                "report" section, else one row per configuration with every metric. Cells are \
                mean ± sd over each job's last --window epochs, and across seeds when a \
                configuration has several. Only attempts that finished ok are counted.
                """)

        @Argument(help: ArgumentHelp("The sweep's name (default: the one launched last).", valueName: "sweep"))
        var sweep: String?

        @OptionGroup var store: StoreOptions

        @Option(help: ArgumentHelp("Where to write; the report goes into DIR/<sweep>/.", valueName: "dir"))
        var out = "Reports"

        @Option(help: ArgumentHelp("What to write: md, csv, svg, comma-separated, or all.", valueName: "formats"))
        var format = "all"

        @Flag(help: "Print the Markdown report to standard output instead of writing files.")
        var stdout = false

        @Option(help: ArgumentHelp("Params that make the table's rows, comma-separated.", valueName: "params"))
        var rows: String?

        @Option(help: ArgumentHelp("Params that make the table's columns, comma-separated.", valueName: "params"))
        var columns: String?

        @Option(help: ArgumentHelp("Metrics to show, comma-separated.", valueName: "names"))
        var metrics: String?

        @Option(help: ArgumentHelp("Epochs in the moving window (default 10).", valueName: "n"))
        var window: String?

        @Option(name: .customLong("where"), help: ArgumentHelp(
            "Keep only jobs whose param has one of these values (repeatable); '-' matches jobs without it.",
            valueName: "param=v1,v2"))
        var filters: [String] = []

        func run() throws {
            let formats = try ReportFormats(flag: format)
            let info = try StoredSweep.find(sweep, databasePath: store.db)
            let db = try Store(path: store.db, readOnly: true)
            var tables: [TableSpec] = []
            if rows != nil || columns != nil || metrics != nil || window != nil || !filters.isEmpty {
                tables = [try TableSpec(rows: rows, columns: columns, metrics: metrics, window: window, filters: filters)]
            }
            let input = try ReportLoader.input(store: db, sweep: info, tables: tables)
            let report = Report(input)
            if stdout {
                print(report.markdown(), terminator: "")
                return
            }
            let directory = URL(fileURLWithPath: out).appendingPathComponent(info.name)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let written = try report.write(to: directory, formats: formats)
            print("wrote \(written.count) files to \(directory.path)/ (open index.md)")
        }
    }
}
