#if canImport(Glibc)
import Glibc
#endif

/// Reads newline-terminated lines from a file descriptor, blocking, with one buffer.
///
/// Not thread-safe: one reader thread owns it. Does not close the descriptor.
public final class LineReader {
    private let fd: Int32
    private var buffer: [UInt8] = []
    private var start = 0
    private var atEnd = false

    public init(fileDescriptor: Int32) {
        fd = fileDescriptor
        buffer.reserveCapacity(1 << 16)
    }

    /// The next line without its newline, or nil at end of input (a partial last line
    /// is returned first). Retries EINTR; any other read error counts as end of input.
    public func readLine() -> String? {
        while true {
            if let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[start..<newline], as: UTF8.self)
                start = newline + 1
                return line
            }
            if atEnd {
                guard start < buffer.count else { return nil }
                let line = String(decoding: buffer[start...], as: UTF8.self)
                start = buffer.count
                return line
            }
            fill()
        }
    }

    private func fill() {
        if start > 0 {
            buffer.removeSubrange(0..<start)
            start = 0
        }
        let chunk = 1 << 16
        let oldCount = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: chunk))
        var n: Int
        repeat {
            n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress! + oldCount, chunk) }
        } while n < 0 && errno == EINTR
        buffer.removeLast(chunk - max(n, 0))
        if n <= 0 { atEnd = true }
    }
}

/// Writes whole lines to a file descriptor from any thread; a line is never interleaved
/// with another. Writes to a closed pipe fail quietly (SIGPIPE must be ignored).
public final class LineWriter: @unchecked Sendable {
    // @unchecked: `fd` is immutable and every write happens under `lock`.
    private let fd: Int32
    private let lock = Lock()

    public init(fileDescriptor: Int32) {
        fd = fileDescriptor
    }

    /// Writes `line` (which must end in a newline); returns false if the peer is gone.
    @discardableResult
    public func write(_ line: String) -> Bool {
        lock.withLock {
            var text = line
            return text.withUTF8 { bytes in
                var offset = 0
                while offset < bytes.count {
                    let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                    if n < 0 {
                        if errno == EINTR { continue }
                        return false
                    }
                    offset += n
                }
                return true
            }
        }
    }
}

/// A pthread mutex; Swift's `Synchronization.Mutex` is non-copyable and awkward to share across
/// some platforms, and this keeps the lock usable from plain threads.
public final class Lock: @unchecked Sendable {
    // @unchecked: the pthread mutex is what makes access safe.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    public init() {
        mutex = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Runs `body` holding the lock.
    public func withLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }
}
