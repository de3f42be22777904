import Foundation
internal import GRDB

/// A row of `hosts`: what the coordinator last knew of a host.
struct HostRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "hosts"

    var name: String
    var state: StoredHost.State
    var detail: String?
    var binaryHash: String?
    var cores: Int?
    var slots: Int?
    var lastSeen: Date?
    /// The Slurm job of a Slurm worker (v5); nil elsewhere and in unmigrated databases.
    var slurmJob: String?

    enum CodingKeys: String, CodingKey {
        case name, state, detail, binaryHash = "binary_hash", cores, slots, lastSeen = "last_seen", slurmJob = "slurm_job"
    }

    var stored: StoredHost { StoredHost(name: name, state: state, detail: detail, slurmJob: slurmJob) }
}
