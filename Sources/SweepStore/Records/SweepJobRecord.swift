import GRDB

/// A row of `sweep_jobs`: job `jobID` is at `position` in sweep `sweepID`'s spec order.
struct SweepJobRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "sweep_jobs"

    var sweepID: Int64
    var jobID: Int64
    var position: Int

    enum CodingKeys: String, CodingKey {
        case sweepID = "sweep_id", jobID = "job_id", position
    }
}
