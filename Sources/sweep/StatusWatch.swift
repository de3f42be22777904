#if canImport(Glibc)
import Glibc
#endif
import Foundation
import SweepCoordinator
import SweepCore
import SweepStore

/// `sweep status --watch`: every 2 s until no coordinator runs the sweep. On a terminal it
/// redraws one screen in place (counts, sweep ETA, the running jobs with their progress);
/// piped, it prints one plain line each time.
enum StatusWatch {
    static func run(db: StoreReader, sweep: SweepInfo, metric: String?) throws {
        let terminal = isatty(STDOUT_FILENO) == 1
        let metric = metric ?? StatusProgress.mainMetric(of: sweep)
        while true {
            let writer = db.writer()
            let c = try db.counts(of: sweep.id)
            var line = "\(Date().formatted(.iso8601)) [\(sweep.name)] \(c.done)/\(c.total) done · \(c.running) running · "
                + "\(c.failed) failed · \(c.pending) pending"
            // The jobs left at the mean pace so far, as many at once as run now.
            if writer != nil, c.pending + c.running > 0, let mean = try db.meanJobSeconds(of: sweep.id) {
                line += " · eta " + ProgressLine.clock(mean * Double(c.pending + c.running) / Double(max(1, c.running)))
            }
            if terminal {
                let running = try db.jobs(of: sweep.id, states: [.running])
                let progress = try db.progress(of: sweep.id)
                let rows = running.map { job in
                    ["\(job.id)", String(job.key.prefix(8)), job.host ?? "",
                     progress[job.id].map { StatusProgress.describe($0, job: job, metric: metric) } ?? ""]
                }
                // Home, clear to the end, then the screen: one table redrawn in place.
                print("\u{1B}[H\u{1B}[J" + line + "\n"
                    + (rows.isEmpty ? "" : TextTable.render(headers: ["job", "key", "host", "progress"], rows: rows)))
            } else {
                print(line)
            }
            fflush(nil)  // every stream: a pipe is block-buffered, and a reader wants each line now
            guard writer?.sweep == sweep.name else { return }
            Thread.sleep(forTimeInterval: 2)
        }
    }
}
