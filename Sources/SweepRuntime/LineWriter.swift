#if canImport(Glibc)
import Glibc
#endif

/// Writes whole lines to a descriptor from any thread; a line is never interleaved with
/// another. Writes to a closed pipe fail quietly (SIGPIPE is ignored at start-up).
public final class LineWriter: Sendable {
    private let descriptor: Descriptor

    public init(_ descriptor: Descriptor) {
        self.descriptor = descriptor
    }

    /// Writes `line` (which must end in a newline); returns false if the peer or the
    /// descriptor is gone. The corresponding C function is `write`.
    @discardableResult
    public func write(_ line: String) -> Bool {
        var text = line
        return text.withUTF8 { bytes in
            descriptor.withLocked { fd in
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
            } ?? false
        }
    }
}
