import Foundation
internal import GRDB
import SweepCore

/// A job's latest value of one metric: the epoch it was reported at and the value (nil: NaN).
public struct LatestMetric: Sendable, Hashable {
    public var epoch: Int
    public var value: Double?
}

/// Which of a sweep's jobs to list, in what order, and which page of them.
public struct JobPageQuery: Sendable, Hashable {
    /// What jobs sort by; `epoch` and `metric` are those of the metric's latest value.
    public enum Sort: String, Sendable, CaseIterable {
        case job, state, host, attempts, epoch, metric, started, finished
    }

    public var state: JobState?
    /// Jobs whose number, key, host or config (as JSON) contain it, ignoring ASCII case.
    public var text: String?
    /// The metric whose latest value each job carries (and `.metric` sorts by).
    public var metric: String?
    /// Jobs whose config's number at each path (dotted, as `JobConfig` flattens it) lies in
    /// its closed range; a job without a number there is left out.
    public var ranges: [ParamRange] = []
    /// Jobs whose config's text at each path is one of its values.
    public var choices: [ParamChoice] = []
    /// Only these jobs (nil: any).
    public var jobs: [Int64]?
    public var sort: Sort = .job
    public var descending = false
    public var offset = 0
    public var limit = 100

    public init() {}
}

/// A closed range of one config param's numbers.
public struct ParamRange: Sendable, Hashable {
    public var key: String
    public var low: Double
    public var high: Double

    public init(key: String, low: Double, high: Double) {
        self.key = key
        self.low = low
        self.high = high
    }

    /// The SQLite JSON path of the nested config's value: each part quoted, so a dot means nesting only.
    var jsonPath: String { Self.jsonPath(key) }

    static func jsonPath(_ key: String) -> String {
        "$" + key.split(separator: ".", omittingEmptySubsequences: false).map { ".\"\($0)\"" }.joined()
    }
}

/// Some of a config param's text values (a category axis's selection).
public struct ParamChoice: Sendable, Hashable {
    public var key: String
    public var values: [String]

    public init(key: String, values: [String]) {
        self.key = key
        self.values = values
    }

    var jsonPath: String { ParamRange.jsonPath(key) }
}

/// One page of a sweep's jobs: how many match, and those on the page with their latest metric.
public struct JobPage: Sendable {
    public var matched: Int
    public var jobs: [StoredJob]
    public var latest: [Int64: LatestMetric]

    public init(matched: Int, jobs: [StoredJob], latest: [Int64: LatestMetric]) {
        self.matched = matched
        self.jobs = jobs
        self.latest = latest
    }
}

extension StoreReader {
    // MARK: Reads for `sweep serve`

    /// Job numbers as one JSON list, for `json_each(?)`: one parameter, however many jobs.
    static func jsonList(_ jobs: [Int64]) -> String {
        "[" + jobs.map(String.init).joined(separator: ",") + "]"
    }

    /// One page of the sweep's jobs, filtered, sorted and cut in SQL, so a page of a
    /// 10,000-job sweep decodes only its own rows. A job's latest metric comes from the
    /// attempt that counts (the one that finished ok, else the latest): two index seeks on
    /// the metrics' primary key per job.
    public func jobPage(of sweep: Int64, _ query: JobPageQuery) throws(StoreError) -> JobPage {
        try read { db in
            var filter = "sj.sweep_id = :sweep"
            var arguments: [String: (any DatabaseValueConvertible)?] = ["sweep": sweep, "metric": query.metric]
            if let state = query.state {
                filter += " AND j.state = :state"
                arguments["state"] = state.rawValue
            }
            if let text = query.text, !text.isEmpty {
                filter += " AND (CAST(j.id AS TEXT) || ' ' || j.key || ' ' || coalesce(j.host, '') || ' ' || j.config) LIKE :text ESCAPE '\\'"
                arguments["text"] = "%" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
                    .replacingOccurrences(of: "_", with: "\\_") + "%"
            }
            for (index, range) in query.ranges.enumerated() {
                filter += " AND json_type(j.config, :path\(index)) IN ('integer', 'real') AND json_extract(j.config, :path\(index)) BETWEEN :low\(index) AND :high\(index)"
                arguments["path\(index)"] = range.jsonPath
                arguments["low\(index)"] = range.low
                arguments["high\(index)"] = range.high
            }
            for (index, choice) in query.choices.enumerated() {
                // The values go as one JSON array: one parameter, however many.
                filter += " AND json_type(j.config, :choicePath\(index)) = 'text' AND json_extract(j.config, :choicePath\(index)) IN (SELECT value FROM json_each(:choices\(index)))"
                arguments["choicePath\(index)"] = choice.jsonPath
                arguments["choices\(index)"] = JSONValue.array(choice.values.map(JSONValue.string)).canonicalText
            }
            if let jobs = query.jobs {
                filter += " AND j.id IN (SELECT value FROM json_each(:jobs))"  // one parameter, however many jobs
                arguments["jobs"] = Self.jsonList(jobs)
            }
            let from = """
                FROM sweep_jobs sj JOIN jobs j ON j.id = sj.job_id
                LEFT JOIN metrics lm ON lm.job_id = j.id AND lm.attempt = coalesce(j.ok_attempt, j.attempts) AND lm.name = :metric
                  AND lm.epoch = (SELECT max(epoch) FROM metrics l WHERE l.job_id = j.id
                                  AND l.attempt = coalesce(j.ok_attempt, j.attempts) AND l.name = :metric)
                WHERE \(filter)
                """
            let matched = try Int.fetchOne(db, sql: "SELECT count(*) FROM sweep_jobs sj JOIN jobs j ON j.id = sj.job_id WHERE \(filter)",
                                           arguments: StatementArguments(arguments.filter { $0.key != "metric" })) ?? 0
            let column = switch query.sort {
            case .job: "j.id"
            case .state: "j.state"
            case .host: "j.host"
            case .attempts: "j.attempts"
            case .epoch: "lm.epoch"
            case .metric: "lm.value"
            case .started: "j.started_at"
            case .finished: "j.finished_at"
            }
            let direction = query.descending ? "DESC" : "ASC"
            arguments["limit"] = query.limit
            arguments["offset"] = query.offset
            // Jobs without the value sort last either way; ties by number.
            var latest: [Int64: LatestMetric] = [:]
            var ids: [Int64] = []
            let rows = try Row.fetchCursor(db, sql: """
                SELECT j.id, lm.epoch, lm.value \(from)
                ORDER BY (\(column) IS NULL), \(column) \(direction), j.id \(direction) LIMIT :limit OFFSET :offset
                """, arguments: StatementArguments(arguments))
            while let row = try rows.next() {
                let id: Int64 = row[0]
                ids.append(id)
                if let epoch: Int = row[1] { latest[id] = LatestMetric(epoch: epoch, value: row[2]) }
            }
            guard !ids.isEmpty else { return JobPage(matched: matched, jobs: [], latest: [:]) }
            let found = try Self.storedJobs(db, sql: Self.jobSelect + " WHERE id IN (" + ids.map { _ in "?" }.joined(separator: ",") + ")",
                                            arguments: StatementArguments(ids))
            let byID = Dictionary(uniqueKeysWithValues: found.map { ($0.id, $0) })
            return JobPage(matched: matched, jobs: ids.compactMap { byID[$0] }, latest: latest)
        }
    }

    /// The metric named `metric` of those of `jobs` that are done (their attempt that finished
    /// ok) or running (their current attempt, so far), by job then epoch. `body` sees each
    /// row once.
    public func forEachMetric(ofJobs jobs: [Int64], named metric: String,
                                _ body: (_ job: Int64, _ epoch: Int, _ value: Double?) -> Void) throws(StoreError) {
        try read { db in
            // SQLite binds at most 32,766 parameters: 500 jobs at a time.
            for start in stride(from: 0, to: jobs.count, by: 500) {
                let chunk = Array(jobs[start..<min(start + 500, jobs.count)]).sorted()
                let rows = try Row.fetchCursor(db, sql: """
                    SELECT m.job_id, m.epoch, m.value FROM jobs j
                    JOIN metrics m ON m.job_id = j.id AND m.attempt = iif(j.state = 'done', j.ok_attempt, j.attempts) AND m.name = ?
                    WHERE j.state IN ('done', 'running') AND j.id IN (\(chunk.map { _ in "?" }.joined(separator: ",")))
                    ORDER BY m.job_id, m.epoch
                    """, arguments: StatementArguments([metric as any DatabaseValueConvertible] + chunk.map { $0 as any DatabaseValueConvertible }))
                while let row = try rows.next() { body(row[0], row[1], row[2]) }
            }
        }
    }

    /// Every value one attempt of a job recorded, by epoch then name (the primary key's
    /// order: streamed, never sorted or held). `counts` first sees how many values each
    /// name has, from the same snapshot, so the caller can size what it keeps; then `body`
    /// sees each row once.
    public func forEachMetric(ofJob job: Int64, attempt: Int, counts: ([String: Int]) -> Void,
                              _ body: (_ epoch: Int, _ name: String, _ value: Double?) -> Void) throws(StoreError) {
        try read { db in
            var byName: [String: Int] = [:]
            let names = try Row.fetchCursor(db, sql: "SELECT name, count(*) FROM metrics WHERE job_id = ? AND attempt = ? GROUP BY name",
                                            arguments: [job, attempt])
            while let row = try names.next() { byName[row[0]] = row[1] }
            counts(byName)
            let rows = try Row.fetchCursor(db, sql: """
                SELECT epoch, name, value FROM metrics WHERE job_id = ? AND attempt = ? ORDER BY job_id, attempt, epoch, name
                """, arguments: [job, attempt])
            while let row = try rows.next() { body(row[0], row[1], row[2]) }
        }
    }

    /// The metric named `metric` of those of `jobs` that are done (their attempt that finished
    /// ok) or running (their current attempt, so far), by epoch then job: SQLite sorts (past
    /// its cache, in a temporary file), so nothing here grows with the epochs. `epochs` first
    /// sees how many distinct epochs there are, from the same snapshot; then `body` sees each
    /// row once.
    public func forEachMetricByEpoch(ofJobs jobs: [Int64], named metric: String, epochs: (Int) -> Void,
                                     _ body: (_ job: Int64, _ epoch: Int, _ value: Double?) -> Void) throws(StoreError) {
        let ids = Self.jsonList(jobs)
        try read { db in
            let from = """
                FROM jobs j JOIN metrics m ON m.job_id = j.id AND m.attempt = iif(j.state = 'done', j.ok_attempt, j.attempts) AND m.name = ?
                WHERE j.state IN ('done', 'running') AND j.id IN (SELECT value FROM json_each(?))
                """
            epochs(try Int.fetchOne(db, sql: "SELECT count(DISTINCT m.epoch) " + from, arguments: [metric, ids]) ?? 0)
            let rows = try Row.fetchCursor(db, sql: "SELECT m.job_id, m.epoch, m.value " + from + " ORDER BY m.epoch, m.job_id",
                                           arguments: [metric, ids])
            while let row = try rows.next() { body(row[0], row[1], row[2]) }
        }
    }

    /// The metric named `metric` of the first `limit` (by number) of those of `jobs` a stop
    /// rule stopped, from their stopped run, by job then epoch: `counts` first sees how many
    /// values each has (same snapshot), then `body` sees each row once.
    public func forEachStoppedMetric(ofJobs jobs: [Int64], named metric: String, limit: Int, counts: ([Int64: Int]) -> Void,
                                     _ body: (_ job: Int64, _ epoch: Int, _ value: Double?) -> Void) throws(StoreError) {
        let ids = Self.jsonList(jobs)
        try read { db in
            let from = """
                FROM metrics m JOIN jobs j ON j.id = m.job_id AND m.attempt = j.ok_attempt AND m.name = ?
                WHERE j.id IN (SELECT id FROM jobs WHERE state = 'stopped' AND id IN (SELECT value FROM json_each(?)) ORDER BY id LIMIT ?)
                """
            var byJob: [Int64: Int] = [:]
            let grouped = try Row.fetchCursor(db, sql: "SELECT m.job_id, count(*) " + from + " GROUP BY m.job_id", arguments: [metric, ids, limit])
            while let row = try grouped.next() { byJob[row[0]] = row[1] }
            counts(byJob)
            let rows = try Row.fetchCursor(db, sql: "SELECT m.job_id, m.epoch, m.value " + from + " ORDER BY m.job_id, m.epoch",
                                           arguments: [metric, ids, limit])
            while let row = try rows.next() { body(row[0], row[1], row[2]) }
        }
    }

    /// The sweep's jobs grouped by config without the seed, in spec order: each group's
    /// config and its jobs. Grouped in SQL, so a 10,000-job sweep parses one config per
    /// group, not per job.
    public func configGroups(of sweep: Int64) throws(StoreError) -> [(config: JobConfig, jobs: [Int64])] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT json_remove(j.config, '$.seed') AS config, group_concat(j.id) AS ids, min(sj.position) AS position
                FROM sweep_jobs sj JOIN jobs j ON j.id = sj.job_id WHERE sj.sweep_id = ?
                GROUP BY json_remove(j.config, '$.seed') ORDER BY position
                """, arguments: [sweep]).map { row in
                let config: String = row["config"], ids: String = row["ids"]
                return (JobConfig(nested: (try? JSONParser.parse(config)) ?? .object([:])), ids.split(separator: ",").compactMap { Int64($0) })
            }
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
