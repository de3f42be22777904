#if canImport(Glibc)
import Glibc
#endif

/// A path that is not a regular file where one was expected (a FIFO, a device, a socket,
/// a folder), found without opening it for reading in a way that could block.
public struct NotARegularFile: Error, Sendable, CustomStringConvertible {
    public var path: String
    /// "a FIFO (named pipe)", "a device", ...
    public var kind: String

    public init(path: String, mode: mode_t) {
        self.path = path
        kind = NotARegularFile.kind(of: mode)
    }

    public var description: String { "\(path) is \(kind), not a regular file" }

    /// What `st_mode` says a file is, for a message.
    public static func kind(of mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFIFO: return "a FIFO (named pipe)"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFSOCK: return "a socket"
        case S_IFDIR: return "a folder"
        case S_IFLNK: return "a symbolic link"
        default: return "not a file"
        }
    }
}

extension Digest {
    /// Hashes the regular file at `source` and, given a `target`, copies it there in the same
    /// pass, so the hash is that of the bytes written even if the source changes meanwhile.
    ///
    /// The source is opened without blocking (`O_NONBLOCK`: a FIFO would wait for a
    /// writer) and refused unless `fstat` says it is a regular file. The target is created
    /// new (`O_EXCL`, mode 0600); on an error it is removed. The corresponding C calls are
    /// `open`, `fstat`, `read` and `write`.
    /// - Returns: the lowercase hex SHA-256 and the size in bytes.
    public static func sha256Hex(copyingRegularFile source: String, to target: String? = nil) throws -> (sha256: String, size: Int) {
        let input = open(source, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
        guard input >= 0 else { throw FileError(path: source, operation: "open", errno: errno) }
        defer { close(input) }
        var info = stat()
        guard fstat(input, &info) == 0 else { throw FileError(path: source, operation: "stat", errno: errno) }
        guard info.st_mode & S_IFMT == S_IFREG else { throw NotARegularFile(path: source, mode: info.st_mode) }
        var output: Int32 = -1
        if let target {
            output = open(target, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            guard output >= 0 else { throw FileError(path: target, operation: "create", errno: errno) }
        }
        var finished = false
        defer {
            if output >= 0 { close(output) }
            if !finished, let target { unlink(target) }
        }
        var hasher = SHA256Hasher()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        var size = 0
        while true {
            let n = read(input, buffer.baseAddress, buffer.count)
            if n < 0 {
                if errno == EINTR { continue }
                throw FileError(path: source, operation: "read", errno: errno)
            }
            if n == 0 { break }
            let chunk = UnsafeRawBufferPointer(rebasing: buffer[..<n])
            hasher.update(chunk)
            size += n
            var written = 0
            while output >= 0, written < n {
                let w = write(output, chunk.baseAddress! + written, n - written)
                if w < 0 {
                    if errno == EINTR { continue }
                    throw FileError(path: target ?? "", operation: "write", errno: errno)
                }
                written += w
            }
        }
        finished = true
        return (hasher.finalizeHex(), size)
    }
}
