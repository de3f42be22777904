import Foundation
internal import GRDB

/// A row of `attempts`.
struct AttemptRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "attempts"

    var jobID: Int64
    var attempt: Int
    var host: String
    var status: StoredAttempt.Status
    var startedAt: Date
    var finishedAt: Date?
    var error: String?
    var stderrTail: String?
    var signal: Int32?

    enum CodingKeys: String, CodingKey {
        case jobID = "job_id", attempt, host, status, startedAt = "started_at", finishedAt = "finished_at", error,
             stderrTail = "stderr_tail", signal
    }

    var stored: StoredAttempt {
        StoredAttempt(job: jobID, attempt: attempt, host: host, status: status, startedAt: startedAt,
                      finishedAt: finishedAt, error: error, stderrTail: stderrTail)
    }
}
