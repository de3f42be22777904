import Foundation
internal import GRDB

extension StoreReader {
    // MARK: Provenance

    /// What ran the finished attempts of the sweep's done jobs: each distinct host and
    /// machine (nil for attempts stored before provenance), by host name.
    public func machines(of sweep: Int64) throws(StoreError) -> [(host: String, machine: AttemptMachine?)] {
        try read { db in
            // A database from before provenance that no coordinator has migrated (readers do not).
            guard try db.columns(in: "attempts").contains(where: { $0.name == "sweep_version" }) else { return [] }
            return try Row.fetchAll(db, sql: """
                SELECT DISTINCT a.host, a.os, a.cpu, a.cores, a.sweep_version, a.binary_hash
                FROM sweep_jobs s JOIN jobs j ON j.id = s.job_id
                JOIN attempts a ON a.job_id = j.id AND a.attempt = j.ok_attempt
                WHERE s.sweep_id = ? AND j.state = 'done'
                ORDER BY a.host, a.sweep_version, a.binary_hash, a.os, a.cpu
                """, arguments: [sweep]).map { row in
                let version: String? = row["sweep_version"]
                return (row["host"], version.map {
                    AttemptMachine(os: row["os"], cpu: row["cpu"], cores: row["cores"], sweepVersion: $0,
                                   binaryHash: row["binary_hash"] ?? "")
                })
            }
        }
    }
}
