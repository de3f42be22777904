#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Foundation
import SweepCoordinator
import SweepCore
import SweepReport
import SweepSpec
import SweepStore
import SweepViews

extension Sweep {
    struct Logs: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a job's attempts and captured output.",
            discussion: "JOB is the job's number (see sweep status) or a prefix of its key (4 characters or more, unambiguous).")

        @Argument(help: ArgumentHelp("The job's number or key prefix.", valueName: "job"))
        var job: String

        @OptionGroup var store: StoreOptions

        @Flag(help: "Print JSON: the job, its attempts, output and summary (see docs/reference.md, Output for programs).")
        var json = false

        @Flag(help: "Print output lines and the summary whole (by default each entry is cut at \(SummaryText.width) characters).")
        var full = false

        func run() throws {
            let db = try StoreReader(path: store.db)
            guard let job = try db.job(self.job) else {
                throw ValidationError("no job \(self.job) in \(store.db)")
            }
            if json {
                print(try JSONOutput.logs(db, job: job).canonicalText)
                return
            }
            var entries = LogEntries(full: full, terminal: isatty(STDOUT_FILENO) == 1)
            print("job \(job.id) \(job.key)  \(job.workload)  \(job.state.rawValue)")
            print("config: " + TerminalText.oneLine(job.config.nested.canonicalText))
            let coordinatorRuns = db.writer() != nil
            for attempt in try db.attempts(of: job.id) {
                // An attempt still open with no coordinator running was cut off when it died.
                let status = attempt.status == .running && !coordinatorRuns ? "interrupted (no coordinator running)" : attempt.status.rawValue
                var line = "attempt \(attempt.attempt) on \(attempt.host): \(status)"
                if let error = attempt.error { line += ": " + entries.body(error) }
                print(line)
                if let machine = attempt.machine { print("  ran on: " + TerminalText.oneLine("\(machine)")) }
                if let tail = attempt.stderrTail, !tail.isEmpty {
                    for line in tail.split(separator: "\n", omittingEmptySubsequences: false) { print(entries.entry("  | \(line)")) }
                }
            }
            let logs = try db.logs(of: job.id)
            if !logs.isEmpty { print("output:") }
            for entry in logs { print(entries.entry("[\(entry.attempt)] \(entry.line)")) }
            if entries.cut > 0 { print("  (\(entries.cut) characters of output cut; --full shows all)") }
            if let summary = job.summary { print(SummaryText.render(summary, full: full)) }
            // The metrics at the last epoch of the attempt that counts (done or stopped).
            if let okAttempt = job.okAttempt {
                var last: [String: (epoch: Int, value: Double)] = [:]
                for row in try db.metrics(of: job.id) where row.attempt == okAttempt {
                    if row.epoch >= (last[row.name]?.epoch ?? Int.min) { last[row.name] = (row.epoch, row.value) }
                }
                if !last.isEmpty {
                    let shown = last.keys.sorted().prefix(20).map { "\($0) \(String(format: "%.6g", last[$0]!.value))" }
                    print(entries.entry("final: " + TerminalText.oneLine(shown.joined(separator: ", "))
                        + (last.count > 20 ? ", … \(last.count - 20) more" : "")))
                }
            }
            printOutputFiles(of: job.id)
        }

        private func printOutputFiles(of job: Int64) {
            let files = JSONOutput.outputFiles(database: store.db, job: job)
            guard !files.isEmpty else { return }
            print("output files (\(JSONOutput.outputFolder(database: store.db, job: job))):")
            for file in files { print("  " + TerminalText.oneLine(file.path) + (file.bytes.map { "  \($0) bytes" } ?? "")) }
        }
    }
}
