import Foundation
internal import GRDB

/// A row of `events`, the audit log.
struct EventRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "events"

    var id: Int64?
    var at: Date
    var sweepID: Int64?
    var jobID: Int64?
    var host: String?
    var kind: String
    var message: String

    enum CodingKeys: String, CodingKey {
        case id, at, sweepID = "sweep_id", jobID = "job_id", host, kind, message
    }
}
