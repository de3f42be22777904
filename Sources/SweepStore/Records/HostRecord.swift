import Foundation
internal import GRDB
import SweepCore

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
    /// What its worker runs in (v10): kind, id and node; nil in unmigrated databases.
    var placementKind: String?
    var placementID: String?
    var node: String?
    /// A Slurm worker's job id as v5 to v9 kept it: read only from a database not migrated
    /// yet (v10 copies it into the placement).
    var slurmJob: String?

    enum CodingKeys: String, CodingKey {
        case name, state, detail, binaryHash = "binary_hash", cores, slots, lastSeen = "last_seen",
             placementKind = "placement_kind", placementID = "placement_id", node, slurmJob = "slurm_job"
    }

    var stored: StoredHost {
        StoredHost(name: name, state: state, detail: detail,
                   placement: StoreSchema.placement(kind: placementKind, id: placementID, node: node, legacyID: slurmJob))
    }
}
