#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// One owned file descriptor: closed exactly once, never used after that.
///
/// The number lives behind a `Mutex` so that a writer on one thread and `close()` on
/// another cannot race into writing to a reused descriptor. Blocking reads take the
/// number without holding the lock (a read may wait for minutes); their owner closes
/// the descriptor only after the read saw end of input.
public final class Descriptor: Sendable {
    private let fd: Mutex<Int32>

    /// Takes ownership of `fd`.
    public init(_ fd: Int32) {
        precondition(fd >= 0, "not a file descriptor: \(fd)")
        self.fd = Mutex(fd)
    }

    /// Whether `close()` has run.
    public var isClosed: Bool { fd.withLock { $0 < 0 } }

    /// Closes the descriptor; later calls do nothing. The corresponding C function is `close`.
    public func close() {
        fd.withLock { fd in
            guard fd >= 0 else { return }
            _ = Glibc.close(fd)
            fd = -1
        }
    }

    /// Runs `body` with the open descriptor while holding the lock (serialising writers);
    /// returns nil if it is closed.
    public func withLocked<T>(_ body: (Int32) -> T) -> T? {
        fd.withLock { fd in fd >= 0 ? body(fd) : nil }
    }

    /// The number for a blocking read on the owner's reader thread, or nil if closed.
    var forReading: Int32? {
        fd.withLock { $0 >= 0 ? $0 : nil }
    }
}
