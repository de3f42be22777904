import Foundation
internal import GRDB
import SweepCore

/// A row of `jobs`. `config` and `summary` are canonical JSON text.
struct JobRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "jobs"

    var id: Int64?
    var key: String
    var workload: String
    var config: String
    var seed: Int
    var state: JobState
    var attempts: Int
    var host: String?
    var createdAt: Date
    var startedAt: Date?
    var finishedAt: Date?
    var error: String?
    var summary: String?
    var okAttempt: Int?

    enum CodingKeys: String, CodingKey {
        case id, key, workload, config, seed, state, attempts, host, createdAt = "created_at", startedAt = "started_at",
             finishedAt = "finished_at", error, summary, okAttempt = "ok_attempt"
    }

    /// The job as callers see it; `failures` comes from the attempts.
    func stored(failures: Int) -> StoredJob {
        StoredJob(
            id: id ?? 0, key: key, workload: workload,
            config: JobConfig(nested: (try? JSONParser.parse(config)) ?? .object([:])),
            state: state, attempts: attempts, host: host, startedAt: startedAt, finishedAt: finishedAt, error: error,
            summary: summary.flatMap { try? JSONParser.parse($0) }, okAttempt: okAttempt, failures: failures)
    }
}
