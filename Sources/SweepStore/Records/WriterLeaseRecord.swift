import Foundation
internal import GRDB

/// A row of `writer_lease`: the single row naming the database's current writer.
struct WriterLeaseRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "writer_lease"

    var id: Int64 = 1
    var token: Int64
    var pid: Int64
    var host: String
    var sweep: String?
    var since: Date

    var lease: WriterLease {
        WriterLease(pid: Int32(truncatingIfNeeded: pid), host: host, sweep: sweep, since: since, token: token)
    }
}
