import ArgumentParser
import Foundation
import SweepCore
import SweepReport
import SweepSpec
import SweepStore
import SweepViews
import Workloads

extension Sweep {
    struct ReportCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "report",
            abstract: "Write a sweep's tables (Markdown, CSV) and learning curves (SVG).",
            discussion: """
                Tables come from --rows/--columns/--metrics if given, else from the spec's \
                "report" section, else one row per configuration with every metric. Cells are \
                mean ± sd over each job's last --window epochs, and across seeds when a \
                configuration has several. Only attempts that finished ok are counted. A table \
                longer than \(Report.markdownRowLimit) rows is summarised in report.md (best \
                configurations by its first metric, each param's marginal, a heatmap); its CSV \
                always has every row.
                """)

        @Argument(help: ArgumentHelp("The sweep's name (default: the one launched last).", valueName: "sweep"))
        var sweep: String?

        @OptionGroup var store: StoreOptions

        @Option(help: ArgumentHelp("Where to write; the report goes into DIR/<sweep>/.", valueName: "dir"))
        var out = "Reports"

        @Option(help: ArgumentHelp("What to write: md, csv, svg, comma-separated, or all.", valueName: "formats"))
        var format: ReportFormats = .all

        @Flag(help: "Print the Markdown report to standard output instead of writing files.")
        var stdout = false

        @Option(help: ArgumentHelp("Params that make the table's rows, comma-separated.", valueName: "params"))
        var rows: String?

        @Option(help: ArgumentHelp("Params that make the table's columns, comma-separated.", valueName: "params"))
        var columns: String?

        @Option(help: ArgumentHelp("Metrics to show, comma-separated.", valueName: "names"))
        var metrics: String?

        @Option(parsing: .unconditional, help: ArgumentHelp("Epochs in the moving window (default 10).", valueName: "n"))
        var window: Int?

        @Option(name: .customLong("where"), help: ArgumentHelp(
            "Keep only jobs whose param has one of these values (repeatable); '-' matches jobs without it.",
            valueName: "param=v1,v2"))
        var filters: [String] = []

        @Option(name: .customLong("difference"), help: ArgumentHelp(
            "Report a − b of every metric for a param (repeatable), paired by seed, with its spread and 95 % interval.",
            valueName: "param=a,b"))
        var differences: [String] = []

        @Option(name: .customLong("metric-difference"), help: ArgumentHelp(
            "Report m1 − m2 within each job (repeatable), with its spread across seeds and 95 % interval.",
            valueName: "m1,m2"))
        var metricDifferences: [String] = []

        @Option(parsing: .unconditional, help: ArgumentHelp(
            "List the K best configurations of each table by its first metric (default \(TableSpec.defaultTop), listed anyway when a table is summarised).",
            valueName: "k"))
        var top: Int?

        @Flag(help: "Whether higher or lower values of each table's first metric are better (default: from its name, or the spec's \"direction\").")
        var direction: TableSpec.Direction?

        func validate() throws {
            _ = try flagTable()
            if let top, !(1...TableSpec.maxTop).contains(top) {
                throw ValidationError("--top: expected a number of configurations from 1 to \(TableSpec.maxTop), got \(top)")
            }
        }

        func run() throws {
            let info = try StoredSweep.find(sweep, databasePath: store.db)
            var input: ReportInput
            do {
                input = try ReportLoader.input(store: StoreReader(path: store.db), sweep: info,
                                              workloads: WorkloadRegistry.all, flagTable: flagTable())
            } catch let error as ReportSpecError {
                // A flag naming what the sweep lacks: bad usage, but no usage line (the flag is named).
                throw CommandFailure("\(error)", exitCode: 64)
            }
            input.rank(top: top, direction: direction)
            let report = Report(input)
            if stdout {
                print(report.markdown(), terminator: "")
                return
            }
            let (folder, written) = try report.write(intoFolder: URL(fileURLWithPath: out), formats: format)
            print("wrote \(written.count) files to \(folder.path)/ (open index.md)")
        }

        /// The table the flags describe; nil when none of them is given.
        private func flagTable() throws(ValidationError) -> TableSpec? {
            guard rows != nil || columns != nil || metrics != nil || window != nil || !filters.isEmpty
                || !differences.isEmpty || !metricDifferences.isEmpty else { return nil }
            do {
                return try TableSpec(
                    rows: rows, columns: columns, metrics: metrics, window: window, filters: filters,
                    differences: differences, metricDifferences: metricDifferences)
            } catch {
                throw ValidationError(error.description)
            }
        }
    }
}

extension TableSpec.Direction: EnumerableFlag {
    public static func help(for value: Self) -> ArgumentHelp? {
        value == .maximize ? "Higher values of each table's first metric are better." : "Lower values of each table's first metric are better."
    }
}

extension ReportFormats: ExpressibleByArgument {
    public init?(argument: String) {
        guard let formats = try? ReportFormats(flag: argument) else { return nil }
        self = formats
    }

    public static var allValueStrings: [String] { ["md", "csv", "svg", "all"] }

    public var defaultValueDescription: String {
        self == .all ? "all" : [(ReportFormats.markdown, "md"), (.csv, "csv"), (.svg, "svg")]
            .filter { contains($0.0) }.map(\.1).joined(separator: ",")
    }
}
