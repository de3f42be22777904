import Foundation
internal import GRDB
import SweepCore

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
    // Provenance (v4); absent in a database a reader opens unmigrated, so decoded as nil.
    var os: String?
    var cpu: String?
    var cores: Int?
    var sweepVersion: String?
    var binaryHash: String?
    // The node a scheduler put it on (v5), and its placement's kind and id (v10); nil
    // elsewhere and in unmigrated databases.
    var node: String?
    var placementKind: String?
    var placementID: String?

    enum CodingKeys: String, CodingKey {
        case jobID = "job_id", attempt, host, status, startedAt = "started_at", finishedAt = "finished_at", error,
             stderrTail = "stderr_tail", signal, os, cpu, cores, sweepVersion = "sweep_version", binaryHash = "binary_hash", node,
             placementKind = "placement_kind", placementID = "placement_id"
    }

    var stored: StoredAttempt {
        StoredAttempt(job: jobID, attempt: attempt, host: host, status: status, startedAt: startedAt,
                      finishedAt: finishedAt, error: error, stderrTail: stderrTail,
                      machine: sweepVersion.map { version in
                          AttemptMachine(os: os, cpu: cpu, cores: cores, sweepVersion: version, binaryHash: binaryHash ?? "",
                                         placement: StoreSchema.placement(kind: placementKind, id: placementID, node: node,
                                                                          legacyID: nil))
                      })
    }
}
