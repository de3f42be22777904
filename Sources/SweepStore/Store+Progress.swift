import Foundation
internal import GRDB
import SweepCore

/// How far a running job has got: its latest epoch in its current attempt and the
/// metrics it reported there.
public struct JobProgress: Sendable, Hashable {
    public var epoch: Int
    public var metrics: [String: Double]
}

extension StoreReader {
    /// The progress of the sweep's running jobs, by job: one query over the metrics'
    /// primary key (job, attempt, epoch), reading only each job's latest epoch.
    public func progress(of sweep: Int64) throws(StoreError) -> [Int64: JobProgress] {
        try read { db in
            var progress: [Int64: JobProgress] = [:]
            let rows = try Row.fetchCursor(db, sql: """
                SELECT m.job_id AS job, m.epoch AS epoch, m.name AS name, m.value AS value
                FROM sweep_jobs sj JOIN jobs j ON j.id = sj.job_id
                JOIN metrics m ON m.job_id = j.id AND m.attempt = j.attempts
                WHERE sj.sweep_id = ? AND j.state = 'running'
                  AND m.epoch = (SELECT max(epoch) FROM metrics l WHERE l.job_id = j.id AND l.attempt = j.attempts)
                """, arguments: [sweep])
            while let row = try rows.next() {
                let job: Int64 = row["job"]
                var entry = progress[job] ?? JobProgress(epoch: row["epoch"], metrics: [:])
                if let value: Double = row["value"] { entry.metrics[row["name"]] = value }
                progress[job] = entry
            }
            return progress
        }
    }
}

extension StoreReader {
    /// The mean run time of the sweep's done jobs, in seconds, or nil before the first:
    /// with the counts, it gives the sweep's ETA. One aggregate query.
    public func meanJobSeconds(of sweep: Int64) throws(StoreError) -> Double? {
        try read { db in
            try Double.fetchOne(db, sql: """
                SELECT avg((julianday(j.finished_at) - julianday(j.started_at)) * 86400)
                FROM sweep_jobs sj JOIN jobs j ON j.id = sj.job_id
                WHERE sj.sweep_id = ? AND j.state = 'done' AND j.started_at IS NOT NULL AND j.finished_at IS NOT NULL
                """, arguments: [sweep])
        }
    }
}
