import Foundation
import GRDB
import GRDBSQLite
import SweepCore

/// The sweep database: one SQLite file in WAL mode, written only by the coordinator.
///
/// Each method that changes state is one transaction, so a coordinator killed at any
/// point leaves a consistent database. Readers (`sweep status`, `sweep report`) may
/// open it while a coordinator runs.
public final class Store: Sendable {
    private let pool: DatabasePool
    public let path: String

    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    ///
    /// - Parameter readOnly: open without migrating or writing; the file must exist.
    /// - Throws: `StoreError` naming the file when it cannot be opened, is not a sweep
    ///   database, or was written by a newer `sweep`.
    public init(path: String, readOnly: Bool = false) throws {
        self.path = path
        if readOnly, !FileManager.default.fileExists(atPath: path) {
            throw StoreError("no sweep database at \(path) (launch a sweep first, or pass --db PATH)")
        }
        var configuration = Configuration()
        configuration.readonly = readOnly
        configuration.busyMode = .timeout(10)
        configuration.label = "sweep-store"
        // WAL with synchronous=NORMAL: a commit survives the coordinator being killed; a
        // power cut may drop the last commits but never corrupts the file, and the jobs
        // they recorded simply run again. FULL would fsync every job's start and end.
        configuration.prepareDatabase { db in
            if !db.configuration.readonly { try db.execute(sql: "PRAGMA synchronous = NORMAL") }
        }
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            let migrator = StoreSchema.migrator
            if try pool.read({ try migrator.hasBeenSuperseded($0) }) {
                throw StoreError("\(path) was written by a newer version of sweep; use that version to open it")
            }
            if readOnly {
                guard try pool.read({ try migrator.hasCompletedMigrations($0) }) else {
                    throw StoreError("\(path) is not a sweep database (or is still being created)")
                }
            } else {
                try migrator.migrate(pool)
            }
        } catch let error as StoreError {
            throw error
        } catch let error as DatabaseError {
            throw StoreError("cannot open the database \(path): \(error.message ?? "\(error)")")
        }
    }

    // MARK: Sweeps

    /// Records a sweep and its jobs, reusing jobs that already exist by key, and puts
    /// back to pending the jobs of this sweep that a dead coordinator left running or
    /// that were cancelled. One transaction.
    ///
    /// - Throws: `StoreError` when a sweep of the same name exists with other jobs.
    public func register(name: String, workload: String, specPath: String, specText: String,
                         jobs: [NewJob], now: Date = Date()) throws -> Registration {
        let planHash = Digest.sha256Hex(jobs.map(\.key).joined(separator: "\n").utf8)
        return try pool.write { db in
            var sweepID: Int64
            if let row = try Row.fetchOne(db, sql: "SELECT id, plan_hash FROM sweeps WHERE name = ?", arguments: [name]) {
                sweepID = row["id"]
                guard row["plan_hash"] as String == planHash else {
                    throw StoreError("a different sweep named \"\(name)\" is already in \(path) (its spec expanded to other jobs); "
                        + "give this spec another \"name\", or use another --db")
                }
                try db.execute(sql: "UPDATE sweeps SET launched_at = ?, spec_path = ?, spec_text = ? WHERE id = ?",
                               arguments: [now, specPath, specText, sweepID])
            } else {
                try db.execute(sql: """
                    INSERT INTO sweeps (name, workload, spec_path, spec_text, plan_hash, created_at, launched_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [name, workload, specPath, specText, planHash, now, now])
                sweepID = db.lastInsertedRowID
            }

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
            let sweep = try Self.sweep(db, where: "id = ?", [sweepID])!
            return Registration(sweep: sweep, added: added, reused: jobs.count - added, recovered: recovered)
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
    public func sweep(named name: String?) throws -> SweepInfo? {
        try pool.read { db in
            if let name { return try Self.sweep(db, where: "name = ?", [name]) }
            return try Self.sweep(db, where: "1 ORDER BY launched_at DESC, id DESC LIMIT 1", [])
        }
    }

    /// Every sweep, most recently launched first.
    public func sweeps() throws -> [SweepInfo] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM sweeps ORDER BY launched_at DESC, id DESC").map(Self.sweepInfo)
        }
    }

    private static func sweep(_ db: Database, where clause: String, _ arguments: StatementArguments) throws -> SweepInfo? {
        try Row.fetchOne(db, sql: "SELECT * FROM sweeps WHERE " + clause, arguments: arguments).map(sweepInfo)
    }

    private static func sweepInfo(_ row: Row) -> SweepInfo {
        SweepInfo(id: row["id"], name: row["name"], workload: row["workload"], specPath: row["spec_path"],
                  specText: row["spec_text"], planHash: row["plan_hash"], createdAt: row["created_at"],
                  launchedAt: row["launched_at"])
    }

    // MARK: Jobs

    /// The sweep's jobs in spec order, optionally only those in `states`.
    public func jobs(of sweep: Int64, states: Set<JobState>? = nil) throws -> [StoredJob] {
        try pool.read { db in
            var sql = """
                SELECT jobs.*, (SELECT count(*) FROM attempts a WHERE a.job_id = jobs.id AND a.status = 'failed') AS failures
                FROM jobs JOIN sweep_jobs ON sweep_jobs.job_id = jobs.id
                WHERE sweep_jobs.sweep_id = ?
                """
            var arguments: StatementArguments = [sweep]
            if let states {
                sql += " AND jobs.state IN (" + states.map { _ in "?" }.joined(separator: ",") + ")"
                for state in states.sorted(by: { $0.rawValue < $1.rawValue }) { _ = arguments.append(contentsOf: [state.rawValue]) }
            }
            sql += " ORDER BY sweep_jobs.position"
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map(Self.storedJob)
        }
    }

    /// The job with id `id`, or whose key starts with `id` (at least 6 characters).
    public func job(_ reference: String) throws -> StoredJob? {
        try pool.read { db in
            let select = "SELECT jobs.*, (SELECT count(*) FROM attempts a WHERE a.job_id = jobs.id AND a.status = 'failed') AS failures FROM jobs "
            if let id = Int64(reference), let row = try Row.fetchOne(db, sql: select + "WHERE id = ?", arguments: [id]) {
                return Self.storedJob(row)
            }
            guard reference.count >= 6 else { return nil }
            let rows = try Row.fetchAll(db, sql: select + "WHERE key LIKE ? LIMIT 2", arguments: [reference + "%"])
            guard rows.count == 1 else {
                if rows.count > 1 { throw StoreError("job key prefix \(reference) is ambiguous; give more characters") }
                return nil
            }
            return Self.storedJob(rows[0])
        }
    }

    private static func storedJob(_ row: Row) -> StoredJob {
        let summaryText: String? = row["summary"]
        return StoredJob(
            id: row["id"], key: row["key"], workload: row["workload"],
            config: JobConfig(nested: (try? JSONParser.parse(row["config"])) ?? .object([:])),
            state: JobState(rawValue: row["state"]) ?? .pending, attempts: row["attempts"], host: row["host"],
            startedAt: row["started_at"], finishedAt: row["finished_at"], error: row["error"],
            summary: summaryText.flatMap { try? JSONParser.parse($0) }, okAttempt: row["ok_attempt"],
            failures: row["failures"] ?? 0)
    }

    /// Counts of the sweep's jobs by state.
    public func counts(of sweep: Int64) throws -> StateCounts {
        try pool.read { db in
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
    public func attempts(of job: Int64) throws -> [StoredAttempt] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM attempts WHERE job_id = ? ORDER BY attempt", arguments: [job]).map { row in
                StoredAttempt(job: row["job_id"], attempt: row["attempt"], host: row["host"], status: row["status"],
                              startedAt: row["started_at"], finishedAt: row["finished_at"], error: row["error"],
                              stderrTail: row["stderr_tail"])
            }
        }
    }

    // MARK: Attempts

    /// Marks a job running on `host` and opens its next attempt; returns the attempt number.
    public func startAttempt(job: Int64, host: String, now: Date = Date()) throws -> Int {
        try pool.write { db in
            try db.execute(sql: """
                UPDATE jobs SET state = 'running', attempts = attempts + 1, host = ?, started_at = ?,
                    finished_at = NULL, error = NULL WHERE id = ?
                """, arguments: [host, now, job])
            let attempt = try Int.fetchOne(db, sql: "SELECT attempts FROM jobs WHERE id = ?", arguments: [job])!
            try db.execute(sql: "INSERT INTO attempts (job_id, attempt, host, status, started_at) VALUES (?, ?, ?, 'running', ?)",
                           arguments: [job, attempt, host, now])
            return attempt
        }
    }

    /// Appends metric values and log lines in one transaction (the coordinator batches).
    public func append(metrics: [MetricRow], logs: [(job: Int64, attempt: Int, line: String)], now: Date = Date()) throws {
        guard !metrics.isEmpty || !logs.isEmpty else { return }
        try pool.write { db in
            if !metrics.isEmpty {
                let insert = try db.makeStatement(sql: """
                    INSERT INTO metrics (job_id, attempt, epoch, name, value) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT DO UPDATE SET value = excluded.value
                    """)
                for m in metrics {
                    try insert.execute(arguments: [m.job, m.attempt, m.epoch, m.name, m.value.isNaN ? nil : m.value])
                }
            }
            if !logs.isEmpty {
                let insert = try db.makeStatement(sql: "INSERT INTO logs (job_id, attempt, at, line) VALUES (?, ?, ?, ?)")
                for log in logs { try insert.execute(arguments: [log.job, log.attempt, now, log.line]) }
            }
        }
    }

    /// How an attempt ended, and what becomes of its job.
    public enum Outcome: Sendable {
        /// Finished ok: the job is done with this summary.
        case ok(summary: JSONValue?)
        /// Failed or was cancelled; the job becomes `then` (pending to retry, failed, cancelled).
        case failed(status: String, error: String, stderrTail: String?, signal: Int32?, then: JobState)
        /// The host or coordinator went away; the job goes back to pending.
        case lost(reason: String)
    }

    /// Closes an attempt and moves its job on, in one transaction. Ignored if the attempt
    /// is no longer the job's open one (a late message from a host declared lost).
    @discardableResult
    public func finishAttempt(job: Int64, attempt: Int, outcome: Outcome, now: Date = Date()) throws -> Bool {
        try pool.write { db in
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
                    """, arguments: [status, now, error, tail, signal, job, attempt])
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
    public func requeueFailed(sweep: Int64, now: Date = Date()) throws -> Int {
        try pool.write { db in
            try db.execute(sql: """
                UPDATE jobs SET state = 'pending', error = NULL
                WHERE state = 'failed' AND id IN (SELECT job_id FROM sweep_jobs WHERE sweep_id = ?)
                """, arguments: [sweep])
            let count = db.changesCount
            try Self.event(db, now: now, sweep: sweep, kind: "retry", message: "\(count) failed jobs re-queued")
            return count
        }
    }

    // MARK: Logs, metrics, events

    /// A job's captured output, oldest first, with the attempt of each line.
    public func logs(of job: Int64) throws -> [(attempt: Int, line: String)] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT attempt, line FROM logs WHERE job_id = ? ORDER BY id", arguments: [job])
                .map { ($0["attempt"], $0["line"]) }
        }
    }

    /// Every metric value of the attempts that finished ok, for the sweep's done jobs,
    /// ordered by job, then epoch, then metric name. `body` sees each row once.
    public func forEachOkMetric(of sweep: Int64, _ body: (_ job: Int64, _ name: String, _ epoch: Int, _ value: Double?) throws -> Void) throws {
        try pool.read { db in
            let statement = try db.makeStatement(sql: """
                SELECT m.job_id, m.name, m.epoch, m.value FROM sweep_jobs s
                JOIN jobs j ON j.id = s.job_id AND j.state = 'done'
                JOIN metrics m ON m.job_id = j.id AND m.attempt = j.ok_attempt
                WHERE s.sweep_id = ?
                ORDER BY s.job_id, m.epoch, m.name
                """)  // the order of the keys walked: SQLite streams the rows without sorting
            try statement.setArguments([sweep])
            // Reports read a million rows: step the statement directly, and reuse one
            // String per distinct metric name instead of decoding it from every row.
            let raw = statement.sqliteStatement
            defer { sqlite3_reset(raw) }
            var names: [(bytes: [UInt8], name: String)] = []
            var hint = 0
            while true {
                let rc = sqlite3_step(raw)
                if rc == SQLITE_DONE { return }
                guard rc == SQLITE_ROW else {
                    throw DatabaseError(resultCode: ResultCode(rawValue: rc), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
                }
                let count = Int(sqlite3_column_bytes(raw, 1))
                let text = UnsafeRawBufferPointer(start: sqlite3_column_text(raw, 1), count: count)
                if hint >= names.count || !names[hint].bytes.elementsEqual(text) {
                    if let found = names.firstIndex(where: { $0.bytes.elementsEqual(text) }) {
                        hint = found
                    } else {
                        hint = names.count
                        names.append((Array(text), String(decoding: text, as: UTF8.self)))
                    }
                }
                let value: Double? = sqlite3_column_type(raw, 3) == SQLITE_NULL ? nil : sqlite3_column_double(raw, 3)
                try body(sqlite3_column_int64(raw, 0), names[hint].name, Int(sqlite3_column_int64(raw, 2)), value)
                hint += 1
            }
        }
    }

    /// Every metric row of a job (all attempts), for tests and `sweep logs`.
    public func metrics(of job: Int64) throws -> [MetricRow] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM metrics WHERE job_id = ? ORDER BY attempt, epoch, name", arguments: [job]).map {
                MetricRow(job: $0["job_id"], attempt: $0["attempt"], epoch: $0["epoch"], name: $0["name"], value: $0["value"] ?? .nan)
            }
        }
    }

    /// Appends to the audit log.
    public func record(event kind: String, message: String, sweep: Int64? = nil, job: Int64? = nil, host: String? = nil,
                       now: Date = Date()) throws {
        try pool.write { db in try Self.event(db, now: now, sweep: sweep, job: job, host: host, kind: kind, message: message) }
    }

    private static func event(_ db: Database, now: Date, sweep: Int64? = nil, job: Int64? = nil, host: String? = nil,
                              kind: String, message: String) throws {
        try db.execute(sql: "INSERT INTO events (at, sweep_id, job_id, host, kind, message) VALUES (?, ?, ?, ?, ?, ?)",
                       arguments: [now, sweep, job, host, kind, message])
    }

    /// Records what a host said about itself, or that it was lost or quarantined.
    public func updateHost(name: String, state: String, detail: String?, binaryHash: String? = nil, cores: Int? = nil,
                           slots: Int? = nil, now: Date = Date()) throws {
        try pool.write { db in
            try db.execute(sql: """
                INSERT INTO hosts (name, state, detail, binary_hash, cores, slots, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (name) DO UPDATE SET state = excluded.state, detail = excluded.detail,
                    binary_hash = coalesce(excluded.binary_hash, binary_hash), cores = coalesce(excluded.cores, cores),
                    slots = coalesce(excluded.slots, slots), last_seen = excluded.last_seen
                """, arguments: [name, state, detail, binaryHash, cores, slots, now])
        }
    }

    /// Every host the coordinator has used: name, state (up, lost, quarantined,
    /// unreachable) and the latest detail, by name.
    public func hosts() throws -> [(name: String, state: String, detail: String?)] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT name, state, detail FROM hosts ORDER BY name").map { ($0["name"], $0["state"], $0["detail"]) }
        }
    }

    /// `PRAGMA integrity_check`: "ok" for a sound file.
    public func integrityCheck() throws -> String {
        try pool.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check").joined(separator: "\n") }
    }
}
