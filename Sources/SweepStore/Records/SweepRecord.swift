import Foundation
internal import GRDB

/// A row of `sweeps`.
struct SweepRecord: Codable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "sweeps"

    var id: Int64?
    var name: String
    var workload: String
    var specPath: String
    var specText: String
    var planHash: String
    var createdAt: Date
    var launchedAt: Date

    enum CodingKeys: String, CodingKey {
        case id, name, workload, specPath = "spec_path", specText = "spec_text", planHash = "plan_hash",
             createdAt = "created_at", launchedAt = "launched_at"
    }

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    var info: SweepInfo {
        SweepInfo(id: id ?? 0, name: name, workload: workload, specPath: specPath, specText: specText,
                  planHash: planHash, createdAt: createdAt, launchedAt: launchedAt)
    }
}
