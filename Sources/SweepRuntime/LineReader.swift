#if canImport(Glibc)
import Glibc
#endif

/// Reads newline-terminated lines from a file descriptor, blocking, with one buffer.
///
/// Not thread-safe: one reader thread owns it. Does not close the descriptor (its owner
/// does, after `readLine` returned nil).
public final class LineReader {
    private let fd: Int32
    /// Read and not yet returned: `storage[start..<end]`; the newline search resumes at
    /// `scanned`, so a long line arriving in many reads is scanned once. Grows (doubling) only
    /// while a line longer than it is pending, so it stays under twice `maxLineBytes` plus a read.
    private var storage: [UInt8]
    private var start = 0
    private var end = 0
    private var scanned = 0
    private var atEnd = false
    private let maxLineBytes: Int
    /// The rest of a line cut at `maxLineBytes` is being dropped.
    private var skipping = false

    private let idle: (milliseconds: Int32, handler: () -> Bool)?

    /// The most one `read` asks for.
    private static let chunk = 1 << 16

    /// - Parameters:
    ///   - maxLineBytes: a longer line is cut to its first `maxLineBytes` bytes and the rest
    ///     dropped, so a writer that never ends its line cannot fill the memory.
    ///   - idle: called on the reading thread whenever no input came for that long; false
    ///     ends the input there (a pipe whose writer is gone but cannot be closed).
    public init(fileDescriptor: Int32, maxLineBytes: Int = .max, idle: (milliseconds: Int32, handler: () -> Bool)? = nil) {
        fd = fileDescriptor
        self.maxLineBytes = maxLineBytes
        self.idle = idle
        storage = [UInt8](repeating: 0, count: Self.chunk)
    }

    /// The next line without its newline, or nil at end of input (a partial last line
    /// is returned first). Retries EINTR; any other read error counts as end of input.
    public func readLine() -> String? {
        while true {
            if let newline = storage[scanned..<end].firstIndex(of: UInt8(ascii: "\n")) {
                let line = text(start..<(newline - start > maxLineBytes ? start + maxLineBytes : newline))
                start = newline + 1
                scanned = start
                if skipping {
                    skipping = false
                    continue
                }
                return line
            }
            scanned = end
            if skipping {
                start = end
            } else if end - start > maxLineBytes {
                let line = text(start..<start + maxLineBytes)
                start = end
                skipping = true
                return line
            }
            if atEnd {
                guard start < end, !skipping else { return nil }
                let line = text(start..<end)
                start = end
                return line
            }
            fill()
        }
    }

    private func text(_ range: Range<Int>) -> String {
        String(decoding: storage[range], as: UTF8.self)
    }

    /// Moves the unread bytes to the front and reads once more after them.
    private func fill() {
        let pending = end - start
        if start > 0 {
            storage.withUnsafeMutableBytes { bytes in
                if pending > 0 { memmove(bytes.baseAddress!, bytes.baseAddress! + start, pending) }
            }
            (start, end, scanned) = (0, pending, scanned - start)
        }
        if storage.count - end < Self.chunk {
            storage.append(contentsOf: repeatElement(0, count: storage.count))
        }
        if let idle {
            var request = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            while poll(&request, 1, idle.milliseconds) == 0 {
                guard idle.handler() else {
                    atEnd = true
                    return
                }
            }
        }
        var n: Int
        repeat {
            n = storage.withUnsafeMutableBytes { read(fd, $0.baseAddress! + end, min(Self.chunk, $0.count - end)) }
        } while n < 0 && errno == EINTR
        if n > 0 { end += n } else { atEnd = true }
    }
}
