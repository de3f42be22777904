import CLibCrypto
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// SHA-256 digests, through the system's libcrypto (OpenSSL), which is already a
/// dependency of libssh and hashes a large binary at memory speed.
public enum Digest {
    /// The lowercase hex SHA-256 of `bytes`.
    public static func sha256Hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var hasher = SHA256Hasher()
        let array = Array(bytes)
        array.withUnsafeBytes { hasher.update($0) }
        return hasher.finalizeHex()
    }

    /// The lowercase hex SHA-256 of the file at `path`, read in 1 MiB chunks.
    public static func sha256Hex(fileAtPath path: String) throws -> String {
        guard let file = fopen(path, "rb") else {
            throw FileError(path: path, operation: "open", errno: errno)
        }
        defer { fclose(file) }
        var hasher = SHA256Hasher()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let n = fread(buffer.baseAddress, 1, buffer.count, file)
            if n > 0 { hasher.update(UnsafeRawBufferPointer(rebasing: buffer[..<n])) }
            if n < buffer.count {
                if ferror(file) != 0 { throw FileError(path: path, operation: "read", errno: errno) }
                break
            }
        }
        return hasher.finalizeHex()
    }
}

extension Digest {
    /// `sha256Hex(fileAtPath:)`, remembered per process for as long as the file keeps its
    /// size and modification time: a workload's data files are listed for every job
    /// sent to a host, and hashing 30 MB of IDX files each time would dominate dispatch.
    public static func cachedSHA256Hex(fileAtPath path: String) throws -> String {
        var info = stat()
        guard stat(path, &info) == 0 else { throw FileError(path: path, operation: "stat", errno: errno) }
        let stamp = FileStamp(size: Int64(info.st_size), seconds: Int64(info.st_mtim.tv_sec), nanoseconds: Int64(info.st_mtim.tv_nsec))
        if let known = fileDigests.withLock({ $0[path] }), known.stamp == stamp { return known.digest }
        let digest = try sha256Hex(fileAtPath: path)
        fileDigests.withLock { $0[path] = (stamp, digest) }
        return digest
    }

    private struct FileStamp: Equatable {
        var size: Int64
        var seconds: Int64
        var nanoseconds: Int64
    }

    private static let fileDigests = Mutex<[String: (stamp: FileStamp, digest: String)]>([:])
}

/// Incremental SHA-256 over an EVP digest context.
struct SHA256Hasher: ~Copyable {
    private let context: OpaquePointer

    init() {
        context = EVP_MD_CTX_new()
        precondition(EVP_DigestInit_ex(context, EVP_sha256(), nil) == 1, "EVP_DigestInit_ex failed")
    }

    deinit { EVP_MD_CTX_free(context) }

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        precondition(EVP_DigestUpdate(context, bytes.baseAddress, bytes.count) == 1, "EVP_DigestUpdate failed")
    }

    consuming func finalizeHex() -> String {
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        precondition(EVP_DigestFinal_ex(context, &digest, &length) == 1, "EVP_DigestFinal_ex failed")
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(64)
        for byte in digest.prefix(Int(length)) {
            out.append(hex[Int(byte >> 4)])
            out.append(hex[Int(byte & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
