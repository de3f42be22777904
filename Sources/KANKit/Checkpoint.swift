#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Saves and restores all parameters and buffers of a layer in a versioned binary file.
///
/// Format (little-endian): magic `KANKIT` + 2 zero bytes, `UInt32` version (1), `UInt32`
/// tensor count, then per tensor (in `parameters + buffers` order): `UInt32` name length,
/// UTF-8 name, `UInt32` rank, rank `UInt32` dimensions, then the Float32 values. Loading
/// checks every name and shape against the receiving layer.
public enum Checkpoint {
    /// The current format version.
    public static let version: UInt32 = 1
    static let magic: [UInt8] = Array("KANKIT".utf8) + [0, 0]

    /// Writes `layer`'s parameters and buffers to `path` (overwriting it).
    /// - Throws: `CheckpointError` naming the path if the file cannot be written.
    public static func save(_ layer: any Layer, to path: String) throws {
        var bytes = magic
        append(version, to: &bytes)
        let tensors = layer.parameters + layer.buffers
        append(UInt32(tensors.count), to: &bytes)
        for tensor in tensors {
            let name = Array(tensor.name.utf8)
            append(UInt32(name.count), to: &bytes)
            bytes += name
            append(UInt32(tensor.shape.count), to: &bytes)
            for dimension in tensor.shape { append(UInt32(dimension), to: &bytes) }
            for i in 0..<tensor.count { append(tensor.value[i].bitPattern, to: &bytes) }
        }
        guard let file = fopen(path, "wb") else { throw CheckpointError(path: path, reason: "cannot open for writing (errno \(errno))") }
        defer { fclose(file) }
        guard fwrite(bytes, 1, bytes.count, file) == bytes.count else {
            throw CheckpointError(path: path, reason: "short write (errno \(errno))")
        }
    }

    /// Reads a checkpoint from `path` into `layer`, which must have the same structure.
    /// - Throws: `CheckpointError` naming the path and the first mismatch (bad magic, newer
    ///   version, tensor count, name, shape, or truncation). `layer` is unchanged on error.
    public static func load(into layer: any Layer, from path: String) throws {
        guard let file = fopen(path, "rb") else { throw CheckpointError(path: path, reason: "cannot open for reading (errno \(errno))") }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let read = fread(&chunk, 1, chunk.count, file)
            if read == 0 { break }
            bytes += chunk[0..<read]
        }
        fclose(file)
        var reader = Reader(bytes: bytes, path: path)
        guard try reader.bytes(magic.count) == magic else { throw CheckpointError(path: path, reason: "not a KANKit checkpoint (bad magic)") }
        let fileVersion = try reader.uint32()
        guard fileVersion <= version else {
            throw CheckpointError(path: path, reason: "format version \(fileVersion) is newer than supported version \(version)")
        }
        let tensors = layer.parameters + layer.buffers
        let count = try reader.uint32()
        guard count == tensors.count else {
            throw CheckpointError(path: path, reason: "holds \(count) tensors, the network has \(tensors.count)")
        }
        var values: [[Float]] = []
        for (index, tensor) in tensors.enumerated() {
            let name = String(decoding: try reader.bytes(Int(try reader.uint32())), as: UTF8.self)
            let rank = Int(try reader.uint32())
            var shape: [Int] = []
            for _ in 0..<rank { shape.append(Int(try reader.uint32())) }
            guard name == tensor.name, shape == tensor.shape else {
                throw CheckpointError(path: path, reason: "tensor \(index) is \(name) \(shape), expected \(tensor.name) \(tensor.shape)")
            }
            var data: [Float] = []
            data.reserveCapacity(tensor.count)
            for _ in 0..<tensor.count { data.append(Float(bitPattern: try reader.uint32())) }
            values.append(data)
        }
        guard reader.offset == bytes.count else { throw CheckpointError(path: path, reason: "\(bytes.count - reader.offset) trailing bytes") }
        for (tensor, data) in zip(tensors, values) {
            data.withUnsafeBufferPointer { tensor.value.update(from: $0.baseAddress!, count: tensor.count) }
        }
    }

    private static func append(_ value: UInt32, to bytes: inout [UInt8]) {
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    /// A bounds-checked little-endian cursor over the file's bytes.
    private struct Reader {
        let bytes: [UInt8]
        let path: String
        var offset = 0

        mutating func bytes(_ count: Int) throws -> [UInt8] {
            guard count >= 0, offset + count <= bytes.count else {
                throw CheckpointError(path: path, reason: "truncated at byte \(offset) (needed \(count) more)")
            }
            defer { offset += count }
            return Array(bytes[offset..<(offset + count)])
        }

        mutating func uint32() throws -> UInt32 {
            try bytes(4).enumerated().reduce(0) { $0 | UInt32($1.element) << UInt32(8 * $1.offset) }
        }
    }
}

/// A checkpoint file could not be written or read.
public struct CheckpointError: Error, CustomStringConvertible, Sendable {
    /// The file concerned.
    public let path: String
    /// What was wrong and, where possible, what was expected.
    public let reason: String

    /// `"<path>: <reason>"`.
    public var description: String { "\(path): \(reason)" }
}
