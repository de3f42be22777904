import Foundation
internal import GRDB
import SweepCore

extension Store {
    // MARK: Sweeps

    /// Records a sweep and its jobs, reusing jobs that already exist by key, and puts
    /// back to pending the jobs of this sweep that a dead coordinator left running or
    /// that were cancelled. One transaction.
    ///
    /// - Throws: `StoreError.Kind.conflict` when a sweep of the same name exists with
    ///   other jobs; `.invalidRequest` when `name` is not a plain name.
    public func register(name: String, workload: String, specPath: String, specText: String,
                         jobs: [NewJob], now: Date = Date()) throws(StoreError) -> Registration {
        // The name becomes a report folder; the spec reader refuses such names first.
        if let problem = PlainName.problem(name) {
            throw StoreError(.invalidRequest, "sweep name \"\(name)\" is not a plain name (\(problem)): use \(PlainName.rule)")
        }
        let planHash = Digest.sha256Hex(jobs.map(\.key).joined(separator: "\n").utf8)
        return try write { db in
            var sweep: SweepRecord
            if let existing = try SweepRecord.filter(Column("name") == name).fetchOne(db) {
                guard existing.planHash == planHash else {
                    throw StoreError(.conflict, "a different sweep named \"\(name)\" is already in \(path) (its spec expanded "
                        + "to other jobs); give this spec another \"name\", or use another --db")
                }
                sweep = existing
                sweep.launchedAt = now
                sweep.specPath = specPath
                sweep.specText = specText
                try sweep.update(db)
            } else {
                sweep = SweepRecord(id: nil, name: name, workload: workload, specPath: specPath, specText: specText,
                                    planHash: planHash, createdAt: now, launchedAt: now)
                try sweep.insert(db)
            }
            let sweepID = sweep.id!

            // Up to --max-jobs rows: two prepared statements, not a record per job.
            var added = 0
            let insertJob = try db.makeStatement(sql: """
                INSERT INTO jobs (key, workload, config, seed, created_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (key) DO NOTHING
                """)
            let link = try db.makeStatement(sql: """
                INSERT INTO sweep_jobs (sweep_id, job_id, position)
                SELECT ?, id, ? FROM jobs WHERE key = ?
                ON CONFLICT DO NOTHING
                """)
            for (position, job) in jobs.enumerated() {
                try insertJob.execute(arguments: [job.key, job.workload, job.config.nested.canonicalText, job.config.int("seed"), now])
                added += db.changesCount
                try link.execute(arguments: [sweepID, position, job.key])
            }
            let recovered = try Self.recover(db, sweepID: sweepID, now: now)
            try Self.event(db, now: now, sweep: sweepID, kind: "launch",
                           message: "\(jobs.count) jobs: \(added) new, \(jobs.count - added) reused, \(recovered) recovered")
            return Registration(sweep: sweep.info, added: added, reused: jobs.count - added, recovered: recovered)
        }
    }

    /// Jobs left running (by a coordinator that died) or cancelled go back to pending;
    /// their open attempts are marked lost.
    private static func recover(_ db: Database, sweepID: Int64, now: Date) throws -> Int {
        try db.execute(sql: """
            UPDATE attempts SET status = 'lost', finished_at = ?, error = 'the coordinator stopped while it ran'
            WHERE status = 'running' AND job_id IN (SELECT job_id FROM sweep_jobs WHERE sweep_id = ?)
            """, arguments: [now, sweepID])
        try db.execute(sql: """
            UPDATE jobs SET state = 'pending', host = NULL
            WHERE state IN ('running', 'cancelled') AND id IN (SELECT job_id FROM sweep_jobs WHERE sweep_id = ?)
            """, arguments: [sweepID])
        return db.changesCount
    }

    /// The sweep named `name`, or, for nil, the one launched last.
    public func sweep(named name: String?) throws(StoreError) -> SweepInfo? {
        try read { db in
            let request = name.map { SweepRecord.filter(Column("name") == $0) } ?? SweepRecord.all()
            return try request.order(Column("launched_at").desc, Column("id").desc).fetchOne(db)?.info
        }
    }

    /// Every sweep, most recently launched first.
    public func sweeps() throws(StoreError) -> [SweepInfo] {
        try read { db in
            try SweepRecord.order(Column("launched_at").desc, Column("id").desc).fetchAll(db).map(\.info)
        }
    }

    // MARK: Jobs

    /// Selects jobs with their failed-attempt count as `failures`.
    private static let jobSelect = """
        SELECT jobs.*, (SELECT count(*) FROM attempts a WHERE a.job_id = jobs.id AND a.status = 'failed') AS failures FROM jobs
        """

    private static func storedJobs(_ db: Database, sql: String, arguments: StatementArguments) throws -> [StoredJob] {
        try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
            try JobRecord(row: row).stored(failures: row["failures"] ?? 0)
        }
    }

    /// The sweep's jobs in spec order, optionally only those in `states`.
    public func jobs(of sweep: Int64, states: Set<JobState>? = nil) throws(StoreError) -> [StoredJob] {
        try read { db in
            var sql = Self.jobSelect + " JOIN sweep_jobs ON sweep_jobs.job_id = jobs.id WHERE sweep_jobs.sweep_id = ?"
            var arguments: StatementArguments = [sweep]
            if let states {
                sql += " AND jobs.state IN (" + states.map { _ in "?" }.joined(separator: ",") + ")"
                for state in states.sorted(by: { $0.rawValue < $1.rawValue }) { _ = arguments.append(contentsOf: [state.rawValue]) }
            }
            sql += " ORDER BY sweep_jobs.position"
            return try Self.storedJobs(db, sql: sql, arguments: arguments)
        }
    }

    /// The job with id `id`, or whose key starts with `id` (at least 6 characters).
    ///
    /// - Throws: `StoreError.Kind.invalidRequest` when the prefix matches several jobs.
    public func job(_ reference: String) throws(StoreError) -> StoredJob? {
        try read { db in
            if let id = Int64(reference), let job = try Self.storedJobs(db, sql: Self.jobSelect + " WHERE id = ?", arguments: [id]).first {
                return job
            }
            guard reference.count >= 6 else { return nil }
            let jobs = try Self.storedJobs(db, sql: Self.jobSelect + " WHERE key LIKE ? LIMIT 2", arguments: [reference + "%"])
            if jobs.count > 1 { throw StoreError(.invalidRequest, "job key prefix \(reference) is ambiguous; give more characters") }
            return jobs.first
        }
    }

    /// Counts of the sweep's jobs by state.
    public func counts(of sweep: Int64) throws(StoreError) -> StateCounts {
        try read { db in
            var counts = StateCounts()
            let rows = try Row.fetchAll(db, sql: """
                SELECT state, count(*) AS n FROM jobs JOIN sweep_jobs ON sweep_jobs.job_id = jobs.id
                WHERE sweep_jobs.sweep_id = ? GROUP BY state
                """, arguments: [sweep])
            for row in rows {
                if let state = JobState(rawValue: row["state"]) { counts[state] = row["n"] }
            }
            return counts
        }
    }

    /// The attempts of a job, oldest first.
    public func attempts(of job: Int64) throws(StoreError) -> [StoredAttempt] {
        try read { db in
            try AttemptRecord.filter(Column("job_id") == job).order(Column("attempt")).fetchAll(db).map(\.stored)
        }
    }

    // MARK: Attempts

    /// Marks a job running on `host` and opens its next attempt; returns the attempt number.
    public func startAttempt(job: Int64, host: String, now: Date = Date()) throws(StoreError) -> Int {
        try write { db in
            try db.execute(sql: """
                UPDATE jobs SET state = 'running', attempts = attempts + 1, host = ?, started_at = ?,
                    finished_at = NULL, error = NULL WHERE id = ?
                """, arguments: [host, now, job])
            let attempt = try Int.fetchOne(db, sql: "SELECT attempts FROM jobs WHERE id = ?", arguments: [job])!
            try AttemptRecord(jobID: job, attempt: attempt, host: host, status: .running, startedAt: now).insert(db)
            return attempt
        }
    }

    /// How an attempt ended, and what becomes of its job.
    public enum Outcome: Sendable {
        /// Finished ok: the job is done with this summary.
        case ok(summary: JSONValue?)
        /// Failed or was cancelled; the job becomes `then` (pending to retry, failed, cancelled).
        case failed(status: StoredAttempt.Status, error: String, stderrTail: String?, signal: Int32?, then: JobState)
        /// The host or coordinator went away; the job goes back to pending.
        case lost(reason: String)
    }

    /// Closes an attempt and moves its job on, in one transaction. Ignored if the attempt
    /// is no longer the job's open one (a late message from a host declared lost).
    @discardableResult
    public func finishAttempt(job: Int64, attempt: Int, outcome: Outcome, now: Date = Date()) throws(StoreError) -> Bool {
        try write { db in
            let open = try Bool.fetchOne(db, sql: """
                SELECT 1 FROM attempts a JOIN jobs j ON j.id = a.job_id
                WHERE a.job_id = ? AND a.attempt = ? AND a.status = 'running' AND j.attempts = a.attempt AND j.state = 'running'
                """, arguments: [job, attempt]) ?? false
            guard open else { return false }
            switch outcome {
            case .ok(let summary):
                try db.execute(sql: "UPDATE attempts SET status = 'ok', finished_at = ? WHERE job_id = ? AND attempt = ?",
                               arguments: [now, job, attempt])
                try db.execute(sql: """
                    UPDATE jobs SET state = 'done', finished_at = ?, summary = ?, ok_attempt = ?, error = NULL WHERE id = ?
                    """, arguments: [now, summary?.canonicalText, attempt, job])
            case .failed(let status, let error, let tail, let signal, let then):
                try db.execute(sql: """
                    UPDATE attempts SET status = ?, finished_at = ?, error = ?, stderr_tail = ?, signal = ?
                    WHERE job_id = ? AND attempt = ?
                    """, arguments: [status.rawValue, now, error, tail, signal, job, attempt])
                try db.execute(sql: "UPDATE jobs SET state = ?, finished_at = ?, error = ? WHERE id = ?",
                               arguments: [then.rawValue, now, error, job])
            case .lost(let reason):
                try db.execute(sql: "UPDATE attempts SET status = 'lost', finished_at = ?, error = ? WHERE job_id = ? AND attempt = ?",
                               arguments: [now, reason, job, attempt])
                try db.execute(sql: "UPDATE jobs SET state = 'pending', host = NULL WHERE id = ?", arguments: [job])
            }
            return true
        }
    }

    /// Puts the sweep's failed jobs back to pending (`sweep retry --failed`); returns how many.
    public func requeueFailed(sweep: Int64, now: Date = Date()) throws(StoreError) -> Int {
        try write { db in
            try db.execute(sql: """
                UPDATE jobs SET state = 'pending', error = NULL
                WHERE state = 'failed' AND id IN (SELECT job_id FROM sweep_jobs WHERE sweep_id = ?)
                """, arguments: [sweep])
            let count = db.changesCount
            try Self.event(db, now: now, sweep: sweep, kind: "retry", message: "\(count) failed jobs re-queued")
            return count
        }
    }
}
