import Foundation
internal import GRDB
import SweepCore

/// A job's latest value of one metric: the epoch it was reported at and the value (nil: NaN).
public struct LatestMetric: Sendable, Hashable {
    public var epoch: Int
    public var value: Double?
}

extension Store {
    // MARK: Reads for `sweep serve`

    /// Each of the sweep's jobs' latest value of `metric` in the attempt that counts (the
    /// one that finished ok, else the latest), by job. Two index seeks per job on the
    /// metrics' primary key, so a 10,000-job sweep answers in milliseconds.
    public func latest(_ metric: String, of sweep: Int64) throws(StoreError) -> [Int64: LatestMetric] {
        try read { db in
            var latest: [Int64: LatestMetric] = [:]
            let rows = try Row.fetchCursor(db, sql: """
                SELECT j.id, m.epoch, m.value FROM sweep_jobs sj JOIN jobs j ON j.id = sj.job_id
                JOIN metrics m ON m.job_id = j.id AND m.attempt = coalesce(j.ok_attempt, j.attempts) AND m.name = ?
                  AND m.epoch = (SELECT max(epoch) FROM metrics l WHERE l.job_id = j.id AND l.attempt = coalesce(j.ok_attempt, j.attempts)
                                 AND l.name = ?)
                WHERE sj.sweep_id = ?
                """, arguments: [metric, metric, sweep])
            while let row = try rows.next() {
                latest[row[0]] = LatestMetric(epoch: row[1], value: row[2])
            }
            return latest
        }
    }

    /// The metric names the sweep's first jobs that ran recorded, sorted (at most 200).
    public func metricNames(of sweep: Int64) throws(StoreError) -> [String] {
        try read { db in
            try String.fetchAll(db, sql: """
                SELECT DISTINCT name FROM metrics WHERE job_id IN (
                    SELECT sj.job_id FROM sweep_jobs sj JOIN jobs j ON j.id = sj.job_id
                    WHERE sj.sweep_id = ? AND j.state IN ('done', 'running') ORDER BY sj.position LIMIT 20)
                ORDER BY name LIMIT 200
                """, arguments: [sweep])
        }
    }

    /// Whether the job belongs to the sweep (a job may belong to several).
    public func sweep(_ sweep: Int64, contains job: Int64) throws(StoreError) -> Bool {
        try read { db in
            try Bool.fetchOne(db, sql: "SELECT 1 FROM sweep_jobs WHERE sweep_id = ? AND job_id = ?", arguments: [sweep, job]) ?? false
        }
    }
}
