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
    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a sweep's progress and its jobs.")

        @Argument(help: ArgumentHelp("The sweep's name (default: the one launched last).", valueName: "sweep"))
        var sweep: String?

        @OptionGroup var store: StoreOptions

        @Flag(help: "Only the counts, not every job.")
        var brief = false

        @Flag(help: "Keep showing the counts and a sweep ETA every 2 s until no coordinator runs the sweep (on a terminal, one screen redrawn in place with the running jobs; Ctrl-C to stop).")
        var watch = false

        @Flag(help: "Print JSON: the sweep, counts, coordinator, hosts and jobs (see docs/reference.md, Output for programs).")
        var json = false

        @Option(help: ArgumentHelp("The metric shown for running jobs (default: the first of the spec's first report table).",
                                   valueName: "name"))
        var metric: String?

        func run() throws {
            let info = try StoredSweep.find(sweep, databasePath: store.db)
            let db = try StoreReader(path: store.db)
            if let metric { try Self.check(metric: metric, of: info, in: db) }
            if json {
                print(try JSONOutput.status(db, sweep: info, brief: brief).canonicalText)
                return
            }
            if watch { return try StatusWatch.run(db: db, sweep: info, metric: metric) }
            // Whether jobs marked running really run is the writer lock's to say: a
            // coordinator that died (kill -9) left them marked running.
            let writer = db.writer()
            let counts = try db.counts(of: info.id)
            print("sweep \(info.name) (\(info.workload)) from \(TerminalText.oneLine(info.specPath)), launched \(info.launchedAt.formatted(.iso8601))")
            print("\(counts.done)/\(counts.total) done · \(counts.running) \(writer == nil && counts.running > 0 ? "interrupted" : "running") · "
                + "\(counts.failed) failed · \(counts.pending) pending · \(counts.cancelled) cancelled"
                + (counts.stopped > 0 ? " · \(counts.stopped) stopped early" : ""))
            if let writer {
                print("coordinator: running (\(writer))")
            } else if counts.running + counts.pending + counts.cancelled > 0 {
                print("interrupted: no coordinator is running; \(counts.running + counts.pending + counts.cancelled) jobs are "
                    + "not finished. Continue with: sweep resume \(info.name)")
            }
            let unfinished = counts.running + counts.pending + counts.cancelled > 0
            for host in try db.hosts() {
                // Up or pending with no coordinator: its workers are gone with it. Interrupted
                // (kill -9) when jobs are left; after a sweep that ended, merely no longer running.
                let idle = writer == nil && [.up, .pending].contains(host.state)
                let state = !idle ? host.state.rawValue
                    : unfinished ? "interrupted (no coordinator running; was \(host.state.rawValue))"
                    : "not running (the sweep ended; was \(host.state.rawValue))"
                print("host \(host.name): \(state)" + (host.detail.map { " (\(TerminalText.oneLine($0)))" } ?? ""))
            }
            guard !brief else { return }
            let jobs = try db.jobs(of: info.id)
            let varying = Self.varying(jobs)
            let progress = writer == nil ? [:] : try db.progress(of: info.id)
            let finals = try db.finalMetrics(of: info.id)
            let metric = self.metric ?? StatusProgress.mainMetric(of: info)
            let columns = varying.map { name in JSONValue.displayTexts(jobs.map { $0.config[name] }) }
            let rows = jobs.indices.map { index -> [String] in
                let job = jobs[index]
                var time = ""
                if let start = job.startedAt {
                    time = ProgressLine.clock((job.finishedAt ?? Date()).timeIntervalSince(start))
                }
                let state = job.state == .running && writer == nil ? "interrupted" : job.state.rawValue
                // A running job's epoch and latest value; a finished one's final value.
                var shown = ""
                if let running = progress[job.id] {
                    shown = StatusProgress.describe(running, job: job, metric: metric)
                } else if let final = finals[job.id] {
                    shown = StatusProgress.final(final, metric: metric)
                }
                let head: [String] = ["\(job.id)", String(job.key.prefix(8)), state, "\(job.attempts)", job.host ?? ""]
                let tail: [String] = [job.config["seed"]?.displayText ?? "", time, shown, Self.oneLine(job.error ?? "")]
                return head + columns.map { $0[index] } + tail
            }
            print(TextTable.render(headers: ["job", "key", "state", "tries", "host"] + varying + ["seed", "time", "progress", "error"],
                                   rows: rows))
        }

        /// Refuses a `--metric` the sweep's jobs never reported (nor its report names), listing
        /// the ones they did; before any job reported a metric, every name is taken.
        static func check(metric: String, of info: SweepInfo, in db: StoreReader) throws {
            let reported = try db.metricNames(of: info.id)
            let known = Set(reported).union(StatusProgress.reportMetrics(of: info)).sorted()
            guard !reported.isEmpty, !known.contains(metric) else { return }
            // `unknown metric "los"; did you mean "loss"?`, or with the list when nothing is close.
            var message = "--metric: " + TableSpec.unknownName(TerminalText.oneLine(metric), kind: "metric", among: known)
            if !message.contains("expected one of") {
                message += "; sweep \(info.name) has " + known.prefix(20).joined(separator: ", ")
                    + (known.count > 20 ? ", … (\(known.count) in all)" : "")
            }
            throw ValidationError(message)
        }

        static func varying(_ jobs: [StoredJob]) -> [String] {
            let names = Set(jobs.flatMap { $0.config.values.keys }).subtracting(["seed"]).sorted()
            return names.filter { name in Set(jobs.map { $0.config[name] }).count > 1 }
        }

        /// A job's error in its row: every line of it (a command's stderr ends), on one line.
        static func oneLine(_ text: String) -> String {
            TerminalText.oneLine(ErrorSummary.line(text, limit: 100), limit: 100)
        }
    }
}
