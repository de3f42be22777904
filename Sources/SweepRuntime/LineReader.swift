#if canImport(Glibc)
import Glibc
#endif

/// Reads newline-terminated lines from a file descriptor, blocking, with one buffer.
///
/// Not thread-safe: one reader thread owns it. Does not close the descriptor (its owner
/// does, after `readLine` returned nil).
public final class LineReader {
    private let fd: Int32
    private var buffer: [UInt8] = []
    private var start = 0
    private var atEnd = false
    private let maxLineBytes: Int
    /// The rest of a line cut at `maxLineBytes` is being dropped.
    private var skipping = false

    private let idle: (milliseconds: Int32, handler: () -> Void)?

    /// - Parameters:
    ///   - maxLineBytes: a longer line is cut to its first `maxLineBytes` bytes and the rest
    ///     dropped, so a writer that never ends its line cannot fill the memory.
    ///   - idle: called on the reading thread whenever no input came for that long.
    public init(fileDescriptor: Int32, maxLineBytes: Int = .max, idle: (milliseconds: Int32, handler: () -> Void)? = nil) {
        fd = fileDescriptor
        self.maxLineBytes = maxLineBytes
        self.idle = idle
        buffer.reserveCapacity(1 << 16)
    }

    /// The next line without its newline, or nil at end of input (a partial last line
    /// is returned first). Retries EINTR; any other read error counts as end of input.
    public func readLine() -> String? {
        while true {
            if let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[start..<(newline - start > maxLineBytes ? start + maxLineBytes : newline)], as: UTF8.self)
                start = newline + 1
                if skipping {
                    skipping = false
                    continue
                }
                return line
            }
            if skipping {
                start = buffer.count
            } else if buffer.count - start > maxLineBytes {
                let line = String(decoding: buffer[start..<start + maxLineBytes], as: UTF8.self)
                start = buffer.count
                skipping = true
                return line
            }
            if atEnd {
                guard start < buffer.count, !skipping else { return nil }
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
        if let idle {
            var request = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            while poll(&request, 1, idle.milliseconds) == 0 { idle.handler() }
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
