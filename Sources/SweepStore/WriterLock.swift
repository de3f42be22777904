#if canImport(Glibc)
import Glibc
#endif

/// The one-coordinator-per-database rule: an exclusive `flock` on `<db>.lock`, held for
/// the coordinator's life. The kernel drops it when the process dies, even by SIGKILL,
/// so a crashed coordinator never leaves a stale lock behind.
public final class WriterLock {
    private let fd: Int32
    public let path: String

    /// Takes the lock for the database at `databasePath`, or throws at once if another
    /// coordinator holds it.
    public init(databasePath: String) throws {
        path = databasePath + ".lock"
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw StoreError("cannot create \(path): \(String(cString: strerror(errno))) (is the directory writable?)")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw StoreError("another sweep coordinator is using \(databasePath) (it holds \(path)); "
                + "wait for it, stop it, or use another --db")
        }
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
