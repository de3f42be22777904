import Foundation

/// Who holds a database's writer lock: the coordinator's process, host and sweep, as it
/// recorded them in `writer_lease` when it took the lock.
///
/// `token` grows by one with every writer; a writer checks it in each state-changing
/// transaction (fencing), so if the kernel lock were ever bypassed (a file system that
/// ignores locks, an old `sweep`) the older writer fails at its next write instead of
/// running jobs beside the newer one.
public struct WriterLease: Sendable, Hashable, CustomStringConvertible {
    /// The holder's process id on `host`, or nil when the holder has not recorded itself
    /// yet (it is migrating) or predates the lease table.
    public var pid: Int32?
    public var host: String?
    /// The sweep the holder runs, if it said.
    public var sweep: String?
    public var since: Date?
    public var token: Int64

    /// "pid 4242 on gpu1, sweep dist, since 2026-11-30T14:00:00Z"
    public var description: String {
        var parts = [pid.map { "pid \($0)" + (host.map { " on \($0)" } ?? "") } ?? "pid unknown"]
        if let sweep { parts.append("sweep \(sweep)") }
        if let since { parts.append("since \(since.formatted(.iso8601))") }
        return parts.joined(separator: ", ")
    }
}
