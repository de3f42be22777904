#if canImport(Glibc)
import Glibc
#endif

/// The one-coordinator-per-database rule: an exclusive `flock` on `<db>.lock`, held for
/// the coordinator's life. The kernel drops it when the process dies, even by SIGKILL,
/// so a crashed coordinator never leaves a stale lock behind. The file names the holder
/// (`pid sweep`), so `sweep cancel` can signal it.
public final class WriterLock {
    private let fd: Int32
    public let path: String

    /// Takes the lock for the database at `databasePath` on behalf of sweep `sweep`, or
    /// throws at once if another coordinator holds it.
    public init(databasePath: String, sweep: String) throws {
        path = databasePath + ".lock"
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw StoreError("cannot create \(path): \(String(cString: strerror(errno))) (is the directory writable?)")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            let holder = WriterLock.holder(databasePath: databasePath)
            throw StoreError("another sweep coordinator (pid \(holder.map { String($0.pid) } ?? "?"), sweep "
                + "\(holder?.sweep ?? "?")) is using \(databasePath); wait for it, stop it (sweep cancel), or use another --db")
        }
        let text = "\(getpid()) \(sweep)\n"
        _ = ftruncate(fd, 0)
        _ = text.withCString { pwrite(fd, $0, strlen($0), 0) }
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }

    /// The process holding the lock and the sweep it runs, or nil if no coordinator holds it.
    public static func holder(databasePath: String) -> (pid: Int32, sweep: String)? {
        let fd = open(databasePath + ".lock", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        if flock(fd, LOCK_SH | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return nil
        }
        var buffer = [UInt8](repeating: 0, count: 512)
        let n = read(fd, &buffer, buffer.count)
        guard n > 0 else { return nil }
        let fields = String(decoding: buffer[..<n], as: UTF8.self).split(separator: " ", maxSplits: 1)
        guard fields.count == 2, let pid = Int32(fields[0]) else { return nil }
        return (pid, String(fields[1].filter { !$0.isNewline }))
    }
}
