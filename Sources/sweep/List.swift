import ArgumentParser
import Foundation
import SweepCore
import SweepStore
import SweepViews

extension Sweep {
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List every sweep in the store: workload, jobs by state, spec revision, last activity.",
            discussion: """
                With --json, prints one JSON array, an object per sweep: {"name", "workload", \
                "spec", "revision", "jobs", "counts": {"pending", "running", "done", "failed", \
                "cancelled"}, "launched_at", "last_activity", "running"} (times in ISO 8601 UTC; \
                "running" is true while a coordinator runs the sweep).
                """)

        @OptionGroup var store: StoreOptions

        @Flag(help: "Print JSON (see the discussion for its shape).")
        var json = false

        func run() throws {
            let db = try StoreReader(path: store.db)
            if json {
                print(try JSONOutput.list(db).canonicalText)
                return
            }
            let overviews = try db.overviews()
            let running = db.writer()?.sweep
            guard !overviews.isEmpty else {
                print("no sweeps in \(store.db) yet")
                return
            }
            let rows = overviews.map { o -> [String] in
                let c = o.counts
                // Jobs a stop rule ended count as finished, and say so.
                return [o.sweep.name, o.sweep.workload, "\(c.done)/\(c.total)" + (c.stopped > 0 ? " (+\(c.stopped) stopped)" : ""),
                        "\(c.running)", "\(c.failed)", "\(c.pending + c.cancelled)",
                        "\(o.revision)", o.lastActivity.formatted(.iso8601),
                        o.sweep.name == running ? "running" : (c.running > 0 ? "interrupted" : "")]
            }
            print(TextTable.render(headers: ["sweep", "workload", "done", "running", "failed", "not run", "rev", "last activity", "coordinator"],
                                   rows: rows))
        }
    }
}
