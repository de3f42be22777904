import Foundation
internal import GRDB
import SweepCore
internal import GRDBSQLite

extension StoreWriter {
    // MARK: Metrics and logs

    /// Appends metric values and log lines in one transaction (the coordinator batches).
    public func append(metrics: [MetricRow], logs: [(job: Int64, attempt: Int, line: String)], now: Date = Date()) throws(StoreError) {
        guard !metrics.isEmpty || !logs.isEmpty else { return }
        try write { db in
            // The coordinator's per-epoch path: one prepared statement per batch, not a record per row.
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
}

extension StoreReader {
    /// A job's captured output, oldest first, with the attempt of each line.
    public func logs(of job: Int64) throws(StoreError) -> [(attempt: Int, line: String)] {
        try read { db in
            try LogRecord.filter(Column("job_id") == job).order(Column("id")).fetchAll(db).map { ($0.attempt, $0.line) }
        }
    }

    /// Every metric value of the attempts that finished ok, for the sweep's done jobs (and,
    /// with `includingStopped`, of the attempt a stop rule ended, for its stopped jobs: what
    /// a report draws as their curves), ordered by job, then epoch, then metric name. `body`
    /// sees each row once.
    public func forEachOkMetric(of sweep: Int64, includingStopped: Bool = false,
                                _ body: (_ job: Int64, _ name: String, _ epoch: Int, _ value: Double?) -> Void) throws(StoreError) {
        try read { db in
            let statement = try db.makeStatement(sql: """
                SELECT m.job_id, m.name, m.epoch, m.value FROM sweep_jobs s
                JOIN jobs j ON j.id = s.job_id AND j.state IN ('done', \(includingStopped ? "'stopped'" : "'done'"))
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
                body(sqlite3_column_int64(raw, 0), names[hint].name, Int(sqlite3_column_int64(raw, 2)), value)
                hint += 1
            }
        }
    }

    /// Every metric's value at its last epoch, for each of the sweep's done or stopped jobs
    /// (its ok attempt), or only those of `jobs`: what `status` shows as a finished job's result.
    public func finalMetrics(of sweep: Int64, jobs: [Int64]? = nil) throws(StoreError) -> [Int64: [String: Double]] {
        let only = jobs.map(Self.jsonList)
        return try read { db in
            // SQLite takes the bare column (value) from the row holding max(epoch).
            let rows = try Row.fetchCursor(db, sql: """
                SELECT m.job_id, m.name, m.value, max(m.epoch) FROM metrics m
                JOIN jobs j ON j.id = m.job_id AND m.attempt = j.ok_attempt
                JOIN sweep_jobs sj ON sj.job_id = j.id AND sj.sweep_id = ?
                WHERE j.state IN ('done', 'stopped') AND m.value IS NOT NULL
                    AND (? IS NULL OR j.id IN (SELECT value FROM json_each(?)))
                GROUP BY m.job_id, m.name
                """, arguments: [sweep, only, only])
            var finals: [Int64: [String: Double]] = [:]
            while let row = try rows.next() {
                finals[row[0], default: [:]][row[1]] = row[2]
            }
            return finals
        }
    }

    /// One metric of the sweep's finished (done or stopped) jobs, epoch by epoch, in the
    /// order the jobs started: what an early-stopping rule saw, for rebuilding it on resume.
    /// `includingRequeued` adds the stopped runs of jobs queued again since (promoted by a
    /// pausing rule, or `--rerun-stopped`): the rule judged them at those rungs already.
    public func finishedCurves(sweep: Int64, metric: String, includingRequeued: Bool = false) throws(StoreError)
        -> [(job: Int64, epoch: Int, value: Double)] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT m.job_id, m.epoch, m.value FROM metrics m
                JOIN jobs j ON j.id = m.job_id AND m.attempt = j.ok_attempt
                JOIN sweep_jobs sj ON sj.job_id = j.id AND sj.sweep_id = ?
                WHERE j.state IN ('done', 'stopped'\(includingRequeued ? ", 'pending', 'running'" : "")) AND m.name = ?
                    AND m.value IS NOT NULL
                ORDER BY m.epoch, j.started_at, j.id
                """, arguments: [sweep, metric]).map { ($0[0], $0[1], $0[2]) }
        }
    }

    /// Per job of the sweep, the epochs all its attempts ran (each attempt's last epoch, summed).
    public func epochsRun(of sweep: Int64) throws(StoreError) -> [Int64: Int] {
        try read { db in
            var epochs: [Int64: Int] = [:]
            let rows = try Row.fetchCursor(db, sql: """
                SELECT job_id, SUM(last) FROM (
                    SELECT m.job_id, MAX(m.epoch) AS last FROM metrics m
                    JOIN sweep_jobs sj ON sj.job_id = m.job_id AND sj.sweep_id = ?
                    GROUP BY m.job_id, m.attempt)
                GROUP BY job_id
                """, arguments: [sweep])
            while let row = try rows.next() { epochs[row[0]] = row[1] }
            return epochs
        }
    }

    /// Every metric row of a job (all attempts), for tests and `sweep logs`.
    public func metrics(of job: Int64) throws(StoreError) -> [MetricRow] {
        try read { db in
            try MetricRecord.filter(Column("job_id") == job).order(Column("attempt"), Column("epoch"), Column("name"))
                .fetchAll(db).map(\.row)
        }
    }
}

extension StoreWriter {
    // MARK: Events and hosts

    /// Appends to the audit log.
    public func record(event kind: String, message: String, sweep: Int64? = nil, job: Int64? = nil, host: String? = nil,
                       now: Date = Date()) throws(StoreError) {
        try write { db in try Self.event(db, now: now, sweep: sweep, job: job, host: host, kind: kind, message: message) }
    }

    static func event(_ db: Database, now: Date, sweep: Int64? = nil, job: Int64? = nil, host: String? = nil,
                      kind: String, message: String) throws {
        try EventRecord(at: now, sweepID: sweep, jobID: job, host: host, kind: kind, message: message).insert(db)
    }

    /// Records what a host said about itself, or that it was lost or quarantined; fields
    /// given as nil keep their last value.
    public func updateHost(name: String, state: StoredHost.State, detail: String?, binaryHash: String? = nil, cores: Int? = nil,
                           slots: Int? = nil, placement: Placement? = nil, now: Date = Date()) throws(StoreError) {
        try write { db in
            // A placement given replaces the last one whole (a new worker's job has no node yet).
            try db.execute(sql: """
                INSERT INTO hosts (name, state, detail, binary_hash, cores, slots, last_seen, placement_kind, placement_id, node)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (name) DO UPDATE SET state = excluded.state, detail = excluded.detail,
                    binary_hash = coalesce(excluded.binary_hash, binary_hash), cores = coalesce(excluded.cores, cores),
                    slots = coalesce(excluded.slots, slots), last_seen = excluded.last_seen,
                    placement_id = CASE WHEN excluded.placement_kind IS NULL THEN placement_id ELSE excluded.placement_id END,
                    node = CASE WHEN excluded.placement_kind IS NULL THEN node ELSE excluded.node END,
                    placement_kind = coalesce(excluded.placement_kind, placement_kind)
                """, arguments: [name, state.rawValue, detail, binaryHash, cores, slots, now,
                                 placement?.kind, placement?.id, placement?.node])
        }
    }
}

extension StoreReader {
    /// Every host the coordinator has used, by name, with its latest state and detail.
    public func hosts() throws(StoreError) -> [StoredHost] {
        try read { db in try HostRecord.order(Column("name")).fetchAll(db).map(\.stored) }
    }
}
