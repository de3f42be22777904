import Foundation
internal import GRDB
import SweepCore

/// One trial of a model-based search: which job it became and how it was proposed.
public struct StoredTrial: Sendable, Hashable {
    /// From 0, in the order the trials were proposed.
    public var number: Int
    public var job: StoredJob
    /// The sampler's seed (the spec's `sample.seed`): trial k draws from it and k alone.
    public var samplerSeed: UInt64
    /// "random (startup, 3 of 10 finished)", "tpe: 2 below, 15 above (+1 running)".
    public var proposedFrom: String
}

extension StoreWriter {
    /// Records trial `number` of the sweep's search as `job`, in one transaction: the job is
    /// added to the store unless one with its key exists (then that one is the trial's, in
    /// whatever state: a config proposed twice runs once), and linked to the sweep. Returns
    /// the job as stored. Trial numbers are never reused: a second `number` is refused.
    /// `settings` (the sampler's, as JSON) are kept with the search unless it has some
    /// already: the first trial recorded stores them (`storedSearch(named:)`).
    public func addTrial(sweep: Int64, number: Int, job: NewJob, samplerSeed: UInt64, proposedFrom: String,
                         settings: JSONValue? = nil, now: Date = Date()) throws(StoreError) -> StoredJob {
        try write { db in
            if let settings {
                try db.execute(sql: """
                    INSERT INTO search_settings (sweep_id, settings, recorded_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING
                    """, arguments: [sweep, settings.canonicalText, now])
            }
            try db.execute(sql: """
                INSERT INTO jobs (key, workload, config, seed, created_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (key) DO NOTHING
                """, arguments: [job.key, job.workload, job.config.nested.canonicalText, job.config.int("seed"), now])
            guard let id = try Int64.fetchOne(db, sql: "SELECT id FROM jobs WHERE key = ?", arguments: [job.key]) else {
                throw StoreError(.database, "trial \(number): its job was not stored")
            }
            // Cancelled elsewhere (a sweep that was interrupted): this search runs it.
            try db.execute(sql: "UPDATE jobs SET state = 'pending', host = NULL WHERE id = ? AND state = 'cancelled'", arguments: [id])
            try db.execute(sql: """
                INSERT INTO sweep_jobs (sweep_id, job_id, position) VALUES (?, ?, ?) ON CONFLICT DO NOTHING
                """, arguments: [sweep, id, number])
            try db.execute(sql: """
                INSERT INTO trials (sweep_id, number, job_id, sampler_seed, proposed_from, created_at) VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [sweep, number, id, Int64(bitPattern: samplerSeed), proposedFrom, now])
            return try Self.storedJobs(db, sql: Self.jobSelect + " WHERE jobs.id = ?", arguments: [id])[0]
        }
    }
}

/// What the store knows of a sweep's search before it is launched again.
public struct StoredSearch: Sendable, Hashable {
    public var sweep: Int64
    /// The search's identity as registered (`sweeps.plan_hash`).
    public var identity: String
    /// Trials recorded so far.
    public var trials: Int
    /// The sampler settings stored with its first trial; nil when its trials predate them
    /// (or it has none yet).
    public var settings: JSONValue?
    /// Stored settings that are not JSON (a store edited by hand).
    public var unreadable: Bool
}

extension StoreReader {
    /// The search of the sweep named `name` as stored, or nil without such a sweep. Reads
    /// a store no coordinator has migrated yet (no trials or settings tables) too.
    public func storedSearch(named name: String) throws(StoreError) -> StoredSearch? {
        try read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT id, plan_hash FROM sweeps WHERE name = ?", arguments: [name]) else {
                return nil
            }
            let id: Int64 = row[0]
            let trials = try db.tableExists("trials")
                ? try Int.fetchOne(db, sql: "SELECT count(*) FROM trials WHERE sweep_id = ?", arguments: [id]) ?? 0 : 0
            let text = try db.tableExists("search_settings")
                ? try String.fetchOne(db, sql: "SELECT settings FROM search_settings WHERE sweep_id = ?", arguments: [id]) : nil
            let settings = text.flatMap { try? JSONParser.parse($0) }
            return StoredSearch(sweep: id, identity: row[1], trials: trials, settings: settings, unreadable: text != nil && settings == nil)
        }
    }

    /// The sweep's trials in number order (none for a sweep without a search, or a store
    /// from before trials).
    public func trials(of sweep: Int64) throws(StoreError) -> [StoredTrial] {
        try read { db in
            guard try db.tableExists("trials") else { return [] }
            let rows = try Row.fetchAll(db, sql: """
                SELECT number, job_id, sampler_seed, proposed_from FROM trials WHERE sweep_id = ? ORDER BY number
                """, arguments: [sweep])
            let jobs = try Self.storedJobs(db, sql: Self.jobSelect + " WHERE jobs.id IN (SELECT job_id FROM trials WHERE sweep_id = ?)",
                                           arguments: [sweep])
            let byID = Dictionary(uniqueKeysWithValues: jobs.map { ($0.id, $0) })
            return rows.compactMap { row in
                byID[row[1] as Int64].map { job in
                    StoredTrial(number: row[0], job: job, samplerSeed: UInt64(bitPattern: row[2] as Int64), proposedFrom: row[3])
                }
            }
        }
    }
}
