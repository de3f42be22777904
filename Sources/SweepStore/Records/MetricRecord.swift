internal import GRDB

/// A row of `metrics`; a NaN value is stored as NULL.
struct MetricRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "metrics"

    var jobID: Int64
    var attempt: Int
    var epoch: Int
    var name: String
    var value: Double?

    enum CodingKeys: String, CodingKey {
        case jobID = "job_id", attempt, epoch, name, value
    }

    var row: MetricRow {
        MetricRow(job: jobID, attempt: attempt, epoch: epoch, name: name, value: value ?? .nan)
    }
}
