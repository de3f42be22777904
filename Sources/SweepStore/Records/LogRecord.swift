import Foundation
internal import GRDB

/// A row of `logs`: one line a job printed during an attempt.
struct LogRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "logs"

    var id: Int64?
    var jobID: Int64
    var attempt: Int
    var at: Date
    var line: String

    enum CodingKeys: String, CodingKey {
        case id, jobID = "job_id", attempt, at, line
    }
}
