#if canImport(Glibc)
import Glibc
#endif

/// The one-writer-per-database rule, tied to the database file itself: an open file
/// description lock (`F_OFD_SETLK`) on one byte of the database file's inode, held for the
/// writer's life.
///
/// Why this lock: it is taken on the inode, so every path to the file (a symlink, a
/// relative or an absolute path, a bind mount) meets the same lock, and there is no lock
/// file a user can delete. The kernel drops it when the last descriptor of the holder
/// closes, even on SIGKILL, so a dead coordinator never leaves a stale lock. OFD locks
/// (unlike classic POSIX locks) belong to the descriptor, so SQLite closing its own
/// descriptors of the same file never releases it; the byte locked lies far beyond
/// SQLite's own lock bytes (0x40000000...0x400001FF), so it never conflicts with them; and
/// `F_OFD_GETLK` lets readers ask whether a writer runs without taking anything (a `flock`
/// probe would briefly hold the lock and could turn a starting coordinator away).
/// Who holds it is recorded in the database (`writer_lease`, see `WriterLease`).
final class WriterLock: Sendable {
    private let fd: Int32

    /// The byte locked: 1 TiB, past SQLite's lock bytes and any real database's size
    /// (locks are advisory and need no data there).
    private static let lockOffset: Int = 1 << 40

    // Linux's values (asm-generic/fcntl.h, the same on every architecture); Glibc's
    // module does not export them without _GNU_SOURCE.
    private static let getLock: Int32 = 36  // F_OFD_GETLK
    private static let setLock: Int32 = 37  // F_OFD_SETLK

    /// Takes the lock on the database at `databasePath`, creating an empty file if there is
    /// none yet (SQLite takes an empty file as a new database).
    ///
    /// - Throws: `StoreError.Kind.locked` at once if another writer holds it (the caller
    ///   names the holder), `.cannotOpen` if the file cannot be opened for writing.
    init(databasePath: String) throws(StoreError) {
        fd = open(databasePath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw StoreError(.cannotOpen, "cannot open \(databasePath) for writing: \(String(cString: strerror(errno)))"
                + " (is the file or its folder read-only? status, logs and report only read it)")
        }
        var lock = Self.request(Int16(F_WRLCK))
        guard fcntl(fd, Self.setLock, &lock) == 0 else {
            let code = errno
            close(fd)
            if code == EAGAIN || code == EACCES {
                throw StoreError(.locked, "another sweep coordinator is writing to \(databasePath)")
            }
            throw StoreError(.cannotOpen, "cannot lock \(databasePath): \(String(cString: strerror(code)))")
        }
    }

    deinit {
        close(fd)  // releases the lock
    }

    /// True while some process holds the writer lock of the database at `databasePath`;
    /// takes nothing, needs only read access, false when there is no such file.
    static func isHeld(databasePath: String) -> Bool {
        let fd = open(databasePath, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var probe = request(Int16(F_WRLCK))
        guard fcntl(fd, getLock, &probe) == 0 else { return false }
        return probe.l_type != Int16(F_UNLCK)
    }

    private static func request(_ type: Int16) -> flock {
        var lock = flock()
        lock.l_type = type
        lock.l_whence = Int16(SEEK_SET)
        lock.l_start = off_t(lockOffset)
        lock.l_len = 1
        lock.l_pid = 0  // must be 0 for OFD locks
        return lock
    }
}
