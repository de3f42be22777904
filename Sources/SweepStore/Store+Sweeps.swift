import Foundation
internal import GRDB
import SweepCore

/// A sweep at a glance, for `sweep list`.
public struct SweepOverview: Sendable, Hashable {
    public var sweep: SweepInfo
    public var counts: StateCounts
    /// Its latest spec revision.
    public var revision: Int
    /// The latest launch, or start or end of one of its jobs.
    public var lastActivity: Date
}

/// What `sweep rm` did.
public struct SweepRemoval: Sendable, Hashable {
    /// The sweep's jobs left in the store (another sweep uses them, or no --purge).
    public var jobsKept: Int
    /// The sweep's jobs deleted with their attempts, metrics and logs (--purge).
    public var jobsDeleted: Int
    /// Their output folders (`sweep-outputs/job-N`) that could not be removed, with why.
    public var outputsLeft: [String] = []
}

extension StoreReader {
    /// Every sweep with its counts by state, revision and last activity, most recently
    /// launched first. Three queries whatever the number of sweeps.
    public func overviews() throws(StoreError) -> [SweepOverview] {
        try read { db in
            let sweeps = try SweepRecord.order(Column("launched_at").desc, Column("id").desc).fetchAll(db)
            var counts: [Int64: StateCounts] = [:]
            var activity: [Int64: Date] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT sweep_jobs.sweep_id AS sweep, jobs.state AS state, count(*) AS n,
                       max(jobs.started_at) AS started, max(jobs.finished_at) AS finished
                FROM sweep_jobs JOIN jobs ON jobs.id = sweep_jobs.job_id GROUP BY sweep_jobs.sweep_id, jobs.state
                """) {
                let sweep: Int64 = row["sweep"]
                if let state = JobState(rawValue: row["state"]) { counts[sweep, default: StateCounts()][state] = row["n"] }
                for date in [row["started"] as Date?, row["finished"] as Date?].compactMap({ $0 }) {
                    activity[sweep] = max(activity[sweep] ?? date, date)
                }
            }
            // A database from before revisions, read without migrating, has revision 1 everywhere.
            let revisions = try !db.tableExists("spec_revisions") ? [:] : Dictionary(uniqueKeysWithValues: Row.fetchAll(db, sql: """
                SELECT sweep_id, max(revision) AS revision FROM spec_revisions GROUP BY sweep_id
                """).map { ($0["sweep_id"] as Int64, $0["revision"] as Int) })
            return sweeps.map { record in
                let id = record.id ?? 0
                return SweepOverview(sweep: record.info, counts: counts[id] ?? StateCounts(), revision: revisions[id] ?? 1,
                                     lastActivity: max(activity[id] ?? record.launchedAt, record.launchedAt))
            }
        }
    }
}

extension StoreWriter {
    /// Removes the sweep named `name` and its revisions, in one transaction. Its jobs stay
    /// in the store; with `purge`, those no other sweep uses are deleted with their
    /// attempts, metrics and logs, and then their output folders (`sweep-outputs/job-N`
    /// beside the database). Ids are never given again, so a later job never finds a
    /// purged one's files. Returns nil when there is no such sweep.
    public func removeSweep(named name: String, purge: Bool, now: Date = Date()) throws(StoreError) -> SweepRemoval? {
        guard let (kept, deletedJobs) = try removeSweepRows(named: name, purge: purge, now: now) else { return nil }
        var removal = kept
        // After the commit: a folder left by a failure here belongs to an id never used again.
        let root = JobOutput.root(database: path)
        var info = stat()
        guard !deletedJobs.isEmpty, lstat(root, &info) == 0 else { return removal }
        guard info.st_mode & S_IFMT == S_IFDIR else {
            // Only sweep's own folder: a link planted in its place is not followed.
            removal.outputsLeft.append("\(root): not a folder (a link?), so its job folders were left")
            return removal
        }
        for job in deletedJobs {
            let folder = root + "/job-\(job)"
            guard lstat(folder, &info) == 0 else { continue }
            do {
                // A link planted there goes, never what it points at.
                try FileManager.default.removeItem(atPath: folder)
            } catch {
                removal.outputsLeft.append("\(folder): \(error.localizedDescription)")
            }
        }
        return removal
    }

    private func removeSweepRows(named name: String, purge: Bool, now: Date) throws(StoreError) -> (removal: SweepRemoval, deletedJobs: [Int64])? {
        try write { db in
            guard let sweep = try SweepRecord.filter(Column("name") == name).fetchOne(db), let id = sweep.id else { return nil }
            let jobs = try Int64.fetchAll(db, sql: "SELECT job_id FROM sweep_jobs WHERE sweep_id = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM sweep_jobs WHERE sweep_id = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM spec_revisions WHERE sweep_id = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM stop_decisions WHERE sweep_id = ?", arguments: [id])
            if try db.tableExists("trials") { try db.execute(sql: "DELETE FROM trials WHERE sweep_id = ?", arguments: [id]) }
            if try db.tableExists("search_settings") { try db.execute(sql: "DELETE FROM search_settings WHERE sweep_id = ?", arguments: [id]) }
            try db.execute(sql: "DELETE FROM sweeps WHERE id = ?", arguments: [id])
            var deleted = 0
            var deletedJobs: [Int64] = []
            if purge {
                try db.execute(sql: "CREATE TEMP TABLE IF NOT EXISTS purge_jobs (id INTEGER PRIMARY KEY)")
                try db.execute(sql: "DELETE FROM purge_jobs")
                let insert = try db.makeStatement(sql: "INSERT INTO purge_jobs (id) VALUES (?)")
                for job in jobs { try insert.execute(arguments: [job]) }
                // Only jobs no other sweep links; a job shared with another sweep stays whole.
                try db.execute(sql: "DELETE FROM purge_jobs WHERE id IN (SELECT job_id FROM sweep_jobs)")
                for table in ["metrics", "logs", "attempts", "stop_decisions"] {
                    try db.execute(sql: "DELETE FROM \(table) WHERE job_id IN (SELECT id FROM purge_jobs)")
                }
                try db.execute(sql: "UPDATE events SET job_id = NULL WHERE job_id IN (SELECT id FROM purge_jobs)")
                deletedJobs = try Int64.fetchAll(db, sql: "SELECT id FROM purge_jobs")
                try db.execute(sql: "DELETE FROM jobs WHERE id IN (SELECT id FROM purge_jobs)")
                deleted = db.changesCount
                try db.execute(sql: "DROP TABLE purge_jobs")
            }
            try Self.event(db, now: now, kind: "remove",
                           message: "sweep \(name) removed: \(jobs.count - deleted) jobs kept, \(deleted) deleted")
            return (SweepRemoval(jobsKept: jobs.count - deleted, jobsDeleted: deleted), deletedJobs)
        }
    }
}
