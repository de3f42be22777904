import ArgumentParser
import Foundation
import SweepCore
import SweepStore
import SweepViews

extension Sweep {
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "One row per job (state, seed, varying parameters, each metric's final, min and max, epochs, host, duration) as CSV or JSON lines.")

        @Argument(help: ArgumentHelp("The sweep's name.", valueName: "sweep"))
        var sweep: String

        @Option(help: "csv or jsonl.")
        var format = "csv"

        @Option(help: ArgumentHelp("Write to this file (default: standard output); written whole, or not at all.", valueName: "file"))
        var out: String?

        @OptionGroup var store: StoreOptions

        func validate() throws {
            guard ["csv", "jsonl"].contains(format) else { throw ValidationError("--format must be csv or jsonl, not \(TerminalText.oneLine(format))") }
        }

        func run() throws {
            let info = try StoredSweep.find(sweep, databasePath: store.db)
            let table = try JobExport.table(store: try StoreReader(path: store.db), sweep: info)
            let text = format == "csv" ? JobExport.csv(table) : JobExport.jsonLines(table)
            guard let out else {
                FileHandle.standardOutput.write(Data(text.utf8))
                return
            }
            // Atomic: a failed write leaves the old file, never half of a new one.
            do {
                try Data(text.utf8).write(to: URL(fileURLWithPath: out), options: .atomic)
            } catch {
                throw CommandFailure("cannot write \(TerminalText.oneLine(out)): \(error.localizedDescription)")
            }
            FileHandle.standardError.write(Data("wrote \(table.rows.count) jobs to \(TerminalText.oneLine(out))\n".utf8))
        }
    }
}
