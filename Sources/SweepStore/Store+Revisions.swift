import Foundation
internal import GRDB
import SweepCore
import SweepGit

extension StoreReader {
    // MARK: A sweep following its spec

    /// What registering `keys` as the job set of the sweep named `name` would change, or
    /// nil when no such sweep is stored. Reads only (for `sweep launch --dry-run`).
    public func difference(sweep name: String, keys: [String]) throws(StoreError) -> (SweepDifference, revision: Int)? {
        try read { db in
            guard let id = try Int64.fetchOne(db, sql: "SELECT id FROM sweeps WHERE name = ?", arguments: [name]) else { return nil }
            // A database from before revisions (not migrated: this reads only) is at revision 1.
            let revision = try db.tableExists("spec_revisions") ? try Self.latestRevision(db, sweepID: id)?.revision ?? 1 : 1
            return (try Self.difference(db, sweepID: id, keys: keys), revision)
        }
    }

    /// The spec revisions of a sweep, oldest first (none in a database from before
    /// revisions that no coordinator has migrated yet).
    public func revisions(of sweep: Int64) throws(StoreError) -> [SpecRevision] {
        try read { db in
            guard try db.tableExists("spec_revisions") else { return [] }
            return try Row.fetchAll(db, sql: "SELECT * FROM spec_revisions WHERE sweep_id = ? ORDER BY revision", arguments: [sweep])
                .map(SpecRevision.init(row:))
        }
    }

    /// How `keys` differ from the sweep's jobs. The same plan again (the common relaunch
    /// and resume) is told by its hash and costs one count, not a read of every key.
    static func difference(_ db: Database, sweepID: Int64, keys: [String],
                           planHash: String? = nil) throws -> SweepDifference {
        let planHash = planHash ?? Digest.sha256Hex(keys.joined(separator: "\n").utf8)
        if try String.fetchOne(db, sql: "SELECT plan_hash FROM sweeps WHERE id = ?", arguments: [sweepID]) == planHash {
            let done = try Int.fetchOne(db, sql: """
                SELECT count(*) FROM sweep_jobs JOIN jobs ON jobs.id = sweep_jobs.job_id
                WHERE sweep_jobs.sweep_id = ? AND jobs.state = 'done'
                """, arguments: [sweepID]) ?? 0
            return SweepDifference(added: 0, kept: keys.count, keptDone: done, dropped: 0)
        }
        var current: [String: Bool] = [:]  // key -> done
        let rows = try Row.fetchCursor(db, sql: """
            SELECT jobs.key, jobs.state = 'done' AS done FROM sweep_jobs JOIN jobs ON jobs.id = sweep_jobs.job_id
            WHERE sweep_jobs.sweep_id = ?
            """, arguments: [sweepID])
        while let row = try rows.next() { current[row["key"]] = row["done"] }
        var difference = SweepDifference(added: 0, kept: 0, keptDone: 0, dropped: 0)
        var seen = Set<String>()
        seen.reserveCapacity(keys.count)
        for key in keys where seen.insert(key).inserted {
            if let done = current[key] {
                difference.kept += 1
                if done { difference.keptDone += 1 }
            } else {
                difference.added += 1
            }
        }
        difference.dropped = current.count - difference.kept
        return difference
    }

    static func latestRevision(_ db: Database, sweepID: Int64) throws -> SpecRevision? {
        try Row.fetchOne(db, sql: "SELECT * FROM spec_revisions WHERE sweep_id = ? ORDER BY revision DESC LIMIT 1",
                         arguments: [sweepID]).map(SpecRevision.init(row:))
    }

    /// Stores the spec text as the sweep's next revision unless it is the latest one's;
    /// returns the sweep's revision now. A revision keeps the commit it was first stored
    /// with: the same text relaunched from a later commit is the same revision.
    static func recordRevision(_ db: Database, sweepID: Int64, specPath: String, specText: String, planHash: String,
                               jobs: Int, checkout: GitCheckout?, now: Date) throws -> Int {
        let latest = try latestRevision(db, sweepID: sweepID)
        if let latest, latest.specText == specText, latest.planHash == planHash { return latest.revision }
        let revision = (latest?.revision ?? 0) + 1
        try db.execute(sql: """
            INSERT INTO spec_revisions (sweep_id, revision, spec_path, spec_text, plan_hash, jobs, created_at, git_commit, git_dirty)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [sweepID, revision, specPath, specText, planHash, jobs, now, checkout?.commit, checkout?.dirty])
        return revision
    }
}

extension SpecRevision {
    init(row: Row) {
        self.init(revision: row["revision"], specPath: row["spec_path"], specText: row["spec_text"],
                  planHash: row["plan_hash"], jobs: row["jobs"], createdAt: row["created_at"],
                  gitCommit: row["git_commit"], gitDirty: row["git_dirty"])
    }
}
