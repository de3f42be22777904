import Foundation
internal import GRDB
import SweepCore
import SweepGit

extension StoreWriter {
    // MARK: Sweeps

    /// Records a sweep and its jobs, reusing jobs that already exist by key, and puts
    /// back to pending the jobs of this sweep that a dead coordinator left running or
    /// that were cancelled. One transaction.
    ///
    /// A sweep follows its spec: registering another spec under an existing name makes
    /// `jobs` the sweep's job set. Jobs still in it keep their state (done ones never run
    /// again), new ones are added, and jobs no longer in it leave the sweep but stay in
    /// the store. A spec text not seen last time is stored as the sweep's next revision.
    ///
    /// - Throws: `.invalidRequest` when `name` is not a plain name.
    /// `checkout` is the git commit the spec's folder was at, kept with a new revision.
    ///
    /// A model-based search registers no jobs (its trials add them, `addTrial`) and its
    /// `search` identity as the plan hash: the same search keeps its trials and their jobs;
    /// another (a new search space or seed) starts again from trial 0, its old trials' jobs
    /// leaving the sweep but staying in the store.
    public func register(name: String, workload: String, specPath: String, specText: String,
                         jobs: [NewJob], search: String? = nil, checkout: GitCheckout? = nil,
                         now: Date = Date()) throws(StoreError) -> Registration {
        // The name becomes a report folder; the spec reader refuses such names first.
        if let problem = PlainName.problem(name) {
            throw StoreError(.invalidRequest, "sweep name \"\(name)\" is not a plain name (\(problem)): use \(PlainName.rule)")
        }
        let planHash = search ?? Digest.sha256Hex(jobs.map(\.key).joined(separator: "\n").utf8)
        return try write { db in
            var sweep: SweepRecord
            var difference = SweepDifference(added: jobs.count, kept: 0, keptDone: 0, dropped: 0)
            var recovered: Set<Int64> = []
            if let existing = try SweepRecord.filter(Column("name") == name).fetchOne(db) {
                sweep = existing
                // Jobs a dead coordinator left running are put back before any leaves the sweep.
                recovered = try Self.recover(db, sweepID: existing.id!, now: now)
                difference = try Self.difference(db, sweepID: existing.id!, keys: jobs.map(\.key), planHash: planHash)
                if existing.planHash != planHash {
                    try db.execute(sql: "DELETE FROM sweep_jobs WHERE sweep_id = ?", arguments: [existing.id!])
                    try db.execute(sql: "DELETE FROM trials WHERE sweep_id = ?", arguments: [existing.id!])
                    try db.execute(sql: "DELETE FROM search_settings WHERE sweep_id = ?", arguments: [existing.id!])
                } else if search != nil {
                    // The same search goes on: its trials' jobs are its jobs.
                    difference = SweepDifference(added: 0, kept: try Int.fetchOne(db, sql: "SELECT count(*) FROM sweep_jobs WHERE sweep_id = ?", arguments: [existing.id!]) ?? 0,
                                                 keptDone: 0, dropped: 0)
                }
                sweep.workload = workload
                sweep.planHash = planHash
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
            recovered.formUnion(try Self.recover(db, sweepID: sweepID, now: now))
            // Only those still in the sweep run again; jobs the new spec dropped do not.
            if !recovered.isEmpty, difference.dropped > 0 {
                recovered.formIntersection(try Int64.fetchSet(db, sql: "SELECT job_id FROM sweep_jobs WHERE sweep_id = ?", arguments: [sweepID]))
            }
            let revision = try Self.recordRevision(db, sweepID: sweepID, specPath: specPath, specText: specText,
                                                   planHash: planHash, jobs: jobs.count, checkout: checkout, now: now)
            try Self.event(db, now: now, sweep: sweepID, kind: "launch",
                           message: "revision \(revision), \(jobs.count) jobs: \(difference); \(added) new to the store, "
                               + "\(jobs.count - added) reused, \(recovered.count) recovered")
            return Registration(sweep: sweep.info, added: added, reused: jobs.count - added, recovered: recovered.count,
                                difference: difference, revision: revision)
        }
    }

    /// Jobs left running (by a coordinator that died) or cancelled go back to pending;
    /// their open attempts are marked lost. Returns those jobs.
    private static func recover(_ db: Database, sweepID: Int64, now: Date) throws -> Set<Int64> {
        let jobs = try Int64.fetchSet(db, sql: """
            SELECT id FROM jobs WHERE state IN ('running', 'cancelled') AND id IN (SELECT job_id FROM sweep_jobs WHERE sweep_id = ?)
            """, arguments: [sweepID])
        try db.execute(sql: """
            UPDATE attempts SET status = 'lost', finished_at = ?, error = 'the coordinator stopped while it ran'
            WHERE status = 'running' AND job_id IN (SELECT job_id FROM sweep_jobs WHERE sweep_id = ?)
            """, arguments: [now, sweepID])
        try db.execute(sql: """
            UPDATE jobs SET state = 'pending', host = NULL
            WHERE state IN ('running', 'cancelled') AND id IN (SELECT job_id FROM sweep_jobs WHERE sweep_id = ?)
            """, arguments: [sweepID])
        return jobs
    }
}

extension StoreReader {
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

    /// Selects jobs with their failed-attempt count as `failures`, in the column order
    /// `storedJobs` reads by index. Jobs are read and written by plain statements, not a
    /// record type: registering and reporting handle 100,000 of them, and decoding rows by
    /// column name (GRDB's Codable path) took a tenth of a big report's load.
    static let jobSelect = """
        SELECT jobs.id, jobs.key, jobs.workload, jobs.config, jobs.state, jobs.attempts, jobs.host, jobs.started_at,
               jobs.finished_at, jobs.error, jobs.summary, jobs.ok_attempt,
               (SELECT count(*) FROM attempts a WHERE a.job_id = jobs.id AND a.status = 'failed') AS failures
        FROM jobs
        """

    static func storedJobs(_ db: Database, sql: String, arguments: StatementArguments) throws -> [StoredJob] {
        var jobs: [StoredJob] = []
        let rows = try Row.fetchCursor(db, sql: sql, arguments: arguments)
        while let row = try rows.next() {
            let state: String = row[4]
            guard let jobState = JobState(rawValue: state) else {
                throw StoreError(.database, "job \(row[0] as Int64) has an unknown state \"\(state)\"")
            }
            let config: String = row[3]
            let summary: String? = row[10]
            jobs.append(StoredJob(
                id: row[0], key: row[1], workload: row[2],
                config: JobConfig(nested: (try? JSONParser.parse(config)) ?? .object([:])),
                state: jobState, attempts: row[5], host: row[6], startedAt: row[7], finishedAt: row[8], error: row[9],
                summary: summary.flatMap { try? JSONParser.parse($0) }, okAttempt: row[11], failures: row[12]))
        }
        return jobs
    }

    /// The sweep's jobs in spec order, optionally only those in `states`, and only the first `limit`.
    public func jobs(of sweep: Int64, states: Set<JobState>? = nil, limit: Int? = nil) throws(StoreError) -> [StoredJob] {
        try read { db in
            var sql = Self.jobSelect + " JOIN sweep_jobs ON sweep_jobs.job_id = jobs.id WHERE sweep_jobs.sweep_id = ?"
            var arguments: StatementArguments = [sweep]
            if let states {
                sql += " AND jobs.state IN (" + states.map { _ in "?" }.joined(separator: ",") + ")"
                for state in states.sorted(by: { $0.rawValue < $1.rawValue }) { _ = arguments.append(contentsOf: [state.rawValue]) }
            }
            sql += " ORDER BY sweep_jobs.position"
            if let limit {
                sql += " LIMIT ?"
                _ = arguments.append(contentsOf: [limit])
            }
            return try Self.storedJobs(db, sql: sql, arguments: arguments)
        }
    }

    /// The job with id `id`, or whose key starts with `id` (at least `minKeyPrefix` characters).
    ///
    /// Only one spelling finds a job: a number as `String(id)` writes it (not `+1` or `01`),
    /// a prefix of hex digits (any case); `%` or `_` would be LIKE's wildcards and find a job
    /// whose key they are not.
    /// - Throws: `StoreError.Kind.invalidRequest` when the prefix matches several jobs.
    public func job(_ reference: String) throws(StoreError) -> StoredJob? {
        try read { db in
            if let id = Int64(reference), String(id) == reference,
               let job = try Self.storedJobs(db, sql: Self.jobSelect + " WHERE id = ?", arguments: [id]).first {
                return job
            }
            let isHex = reference.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) || (0x41...0x46).contains($0) }
            guard reference.count >= Self.minKeyPrefix, isHex else { return nil }
            let jobs = try Self.storedJobs(db, sql: Self.jobSelect + " WHERE key LIKE ? LIMIT 2", arguments: [reference.lowercased() + "%"])
            if jobs.count > 1 { throw StoreError(.invalidRequest, "job key prefix \(reference) is ambiguous; give more characters") }
            return jobs.first
        }
    }

    /// The numbers of the jobs among `keys` that the store has (any sweep's), by key: what
    /// `launch --dry-run` shows so its rows carry the numbers `status` and `logs` use.
    public func jobIDs(keys: [String]) throws(StoreError) -> [String: Int64] {
        try read { db in
            var ids: [String: Int64] = [:]
            // SQLite binds at most 32,766 parameters: look keys up 500 at a time.
            var start = 0
            while start < keys.count {
                let chunk = keys[start..<min(start + 500, keys.count)]
                let sql = "SELECT id, key FROM jobs WHERE key IN (" + chunk.map { _ in "?" }.joined(separator: ",") + ")"
                for row in try Row.fetchAll(db, sql: sql, arguments: StatementArguments(Array(chunk))) {
                    ids[row["key"]] = row["id"]
                }
                start += 500
            }
            return ids
        }
    }

    /// The shortest key prefix `job(_:)` looks up: 16 bits, unambiguous among a few hundred jobs.
    public static let minKeyPrefix = 4

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
}

extension StoreWriter {
    // MARK: Attempts

    /// Marks a job running on `host` and opens its next attempt, recording what runs it;
    /// returns the attempt number.
    public func startAttempt(job: Int64, host: String, machine: AttemptMachine? = nil, now: Date = Date()) throws(StoreError) -> Int {
        try write { db in
            try db.execute(sql: """
                UPDATE jobs SET state = 'running', attempts = attempts + 1, host = ?, started_at = ?,
                    finished_at = NULL, error = NULL WHERE id = ?
                """, arguments: [host, now, job])
            let attempt = try Int.fetchOne(db, sql: "SELECT attempts FROM jobs WHERE id = ?", arguments: [job])!
            try AttemptRecord(jobID: job, attempt: attempt, host: host, status: .running, startedAt: now,
                              os: machine?.os, cpu: machine?.cpu, cores: machine?.cores,
                              sweepVersion: machine?.sweepVersion, binaryHash: machine?.binaryHash,
                              node: machine?.placement?.node, placementKind: machine?.placement?.kind,
                              placementID: machine?.placement?.id).insert(db)
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
        /// Ended by a sweep's stop rule: the attempt is `cancelled`, the job `stopped` with the
        /// decision's reason, its metrics are this attempt's, and the decision is recorded as
        /// that sweep's (`stop_decisions`).
        case stopped(StopDecision, stderrTail: String?)
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
            case .stopped(let decision, let tail):
                try db.execute(sql: """
                    UPDATE attempts SET status = 'cancelled', finished_at = ?, error = ?, stderr_tail = ? WHERE job_id = ? AND attempt = ?
                    """, arguments: [now, decision.reason, tail, job, attempt])
                try db.execute(sql: "UPDATE jobs SET state = 'stopped', finished_at = ?, error = ?, ok_attempt = ? WHERE id = ?",
                               arguments: [now, decision.reason, attempt, job])
                try db.execute(sql: """
                    INSERT INTO stop_decisions (sweep_id, job_id, attempt, rule, epoch, reason, decided_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (sweep_id, job_id) DO UPDATE SET attempt = excluded.attempt, rule = excluded.rule,
                        epoch = excluded.epoch, reason = excluded.reason, decided_at = excluded.decided_at
                    """, arguments: [decision.sweep, job, attempt, decision.rule, decision.epoch, decision.reason, now])
            case .lost(let reason):
                try db.execute(sql: "UPDATE attempts SET status = 'lost', finished_at = ?, error = ? WHERE job_id = ? AND attempt = ?",
                               arguments: [now, reason, job, attempt])
                try db.execute(sql: "UPDATE jobs SET state = 'pending', host = NULL WHERE id = ?", arguments: [job])
            }
            return true
        }
    }

    /// Squares the sweep's stopped jobs with the decisions of the sweeps that stopped them,
    /// at launch (one transaction). A stop is a decision about the sweep whose rule made it:
    /// - a job this sweep stopped that another sweep put back to pending and did not finish
    ///   is stopped again, with the stopped attempt's metrics and reason;
    /// - without a stop rule (`hasStopRule` false), a job only other sweeps stopped goes back
    ///   to pending, to run to the end here: a new attempt, the stopped one's metrics kept
    ///   under its own attempt number. With a rule, another sweep's decision stands (its
    ///   curve feeds this sweep's rule on resume); `--rerun-stopped` runs such jobs.
    public func settleStopped(sweep: Int64, hasStopRule: Bool, now: Date = Date()) throws(StoreError) -> StoppedSettlement {
        try write { db in
            try db.execute(sql: """
                UPDATE jobs SET state = 'stopped', host = NULL,
                    ok_attempt = (SELECT attempt FROM stop_decisions d WHERE d.sweep_id = ? AND d.job_id = jobs.id),
                    error = (SELECT reason FROM stop_decisions d WHERE d.sweep_id = ? AND d.job_id = jobs.id),
                    finished_at = (SELECT decided_at FROM stop_decisions d WHERE d.sweep_id = ? AND d.job_id = jobs.id)
                WHERE state = 'pending' AND id IN (SELECT job_id FROM stop_decisions WHERE sweep_id = ?)
                    AND id IN (SELECT job_id FROM sweep_jobs WHERE sweep_id = ?)
                """, arguments: [sweep, sweep, sweep, sweep, sweep])
            let restored = db.changesCount
            var runToEnd = 0
            if !hasStopRule {
                try db.execute(sql: """
                    UPDATE jobs SET state = 'pending', error = NULL
                    WHERE state = 'stopped' AND id IN (SELECT job_id FROM sweep_jobs WHERE sweep_id = ?)
                        AND id NOT IN (SELECT job_id FROM stop_decisions WHERE sweep_id = ?)
                    """, arguments: [sweep, sweep])
                runToEnd = db.changesCount
            }
            if restored + runToEnd > 0 {
                try Self.event(db, now: now, sweep: sweep, kind: "stopped",
                               message: "\(restored) jobs this sweep stopped kept stopped; "
                                   + "\(runToEnd) jobs another sweep's rule stopped re-queued to run to the end")
            }
            return StoppedSettlement(restored: restored, runToEnd: runToEnd)
        }
    }

    /// Runs again a job the sweep's pausing rule had stopped (promoted, `stop.pause`): back to
    /// pending, the sweep's stop decision gone (a resume must not stop it again), the stopped
    /// attempt's metrics kept under its number. False if the job is no longer stopped.
    public func promote(job: Int64, sweep: Int64, message: String, now: Date = Date()) throws(StoreError) -> Bool {
        try write { db in
            try db.execute(sql: "UPDATE jobs SET state = 'pending', error = NULL WHERE id = ? AND state = 'stopped'", arguments: [job])
            guard db.changesCount == 1 else { return false }
            try db.execute(sql: "DELETE FROM stop_decisions WHERE sweep_id = ? AND job_id = ?", arguments: [sweep, job])
            try Self.event(db, now: now, sweep: sweep, job: job, kind: "promoted", message: message)
            return true
        }
    }

    /// Puts the sweep's failed jobs back to pending (`sweep retry --failed`); returns how many.
    public func requeueFailed(sweep: Int64, now: Date = Date()) throws(StoreError) -> Int {
        try requeue(.failed, sweep: sweep, now: now).count
    }

    /// Puts the named jobs of the sweep back to pending, whatever they ended as (`sweep retry
    /// SWEEP JOB...`); a running one is left alone. Returns how many.
    public func requeue(jobs: [Int64], sweep: Int64, now: Date = Date()) throws(StoreError) -> Int {
        try write { db in
            var count = 0
            for job in jobs {
                try db.execute(sql: """
                    UPDATE jobs SET state = 'pending', error = NULL
                    WHERE id = ? AND state != 'running' AND id IN (SELECT job_id FROM sweep_jobs WHERE sweep_id = ?)
                    """, arguments: [job, sweep])
                count += db.changesCount
            }
            try Self.event(db, now: now, sweep: sweep, kind: "retry", message: "\(count) named jobs re-queued")
            return count
        }
    }

    /// Puts the sweep's jobs in `state` (failed, or stopped early: `--rerun-stopped`) back to
    /// pending; returns them, by number.
    @discardableResult
    public func requeue(_ state: JobState, sweep: Int64, now: Date = Date()) throws(StoreError) -> [Int64] {
        try write { db in
            let jobs = try Int64.fetchAll(db, sql: """
                SELECT id FROM jobs WHERE state = ? AND id IN (SELECT job_id FROM sweep_jobs WHERE sweep_id = ?) ORDER BY id
                """, arguments: [state.rawValue, sweep])
            try db.execute(sql: """
                UPDATE jobs SET state = 'pending', error = NULL
                WHERE state = ? AND id IN (SELECT job_id FROM sweep_jobs WHERE sweep_id = ?)
                """, arguments: [state.rawValue, sweep])
            try Self.event(db, now: now, sweep: sweep, kind: "retry", message: "\(jobs.count) \(state.rawValue) jobs re-queued")
            return jobs
        }
    }
}

extension StoreReader {
    /// The stop decisions the sweep's rule made, by job (the latest per job).
    public func stopDecisions(of sweep: Int64) throws(StoreError) -> [Int64: StopDecision] {
        try read { db in
            guard try db.tableExists("stop_decisions") else { return [:] }  // a store read unmigrated, before v7
            var decisions: [Int64: StopDecision] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT job_id, attempt, rule, epoch, reason, decided_at FROM stop_decisions WHERE sweep_id = ?
                """, arguments: [sweep]) {
                decisions[row[0]] = StopDecision(sweep: sweep, rule: row[2], epoch: row[3], reason: row[4],
                                                 attempt: row[1], decidedAt: row[5])
            }
            return decisions
        }
    }
}
