import CZlib

/// An array of unsigned bytes read from an IDX file (the MNIST format): its dimensions
/// and its elements in row-major order.
public struct IDXArray: Sendable, Equatable {
    /// The sizes of each dimension, outermost first (`[60000, 28, 28]` for MNIST images).
    public var dimensions: [Int]
    /// The elements, row-major, `dimensions.reduce(1, *)` of them.
    public var bytes: [UInt8]

    /// Makes an array from its dimensions and row-major elements.
    public init(dimensions: [Int], bytes: [UInt8]) {
        precondition(dimensions.reduce(1, *) == bytes.count, "IDX dimensions do not match the element count")
        self.dimensions = dimensions
        self.bytes = bytes
    }

    /// Reads an IDX file of unsigned bytes (type code 0x08), gzip-compressed or not.
    ///
    /// - Throws: `DatasetError.unreadable` if the file cannot be opened or is cut short,
    ///   `DatasetError.malformed` if its header is not an unsigned-byte IDX header.
    ///   The C functions used are zlib's `gzopen`/`gzread`, which pass plain files through.
    public init(contentsOf path: String) throws(DatasetError) {
        guard let file = gzopen(path, "rb") else {
            throw .unreadable(path: path, reason: "cannot open the file")
        }
        defer { gzclose(file) }
        var header = [UInt8](repeating: 0, count: 4)
        try IDXArray.readExactly(file, into: &header, path: path, what: "the header")
        guard header[0] == 0, header[1] == 0 else {
            throw .malformed(path: path, reason: "it does not start with the IDX magic (two zero bytes)")
        }
        guard header[2] == 0x08 else {
            throw .malformed(path: path, reason: "element type 0x\(String(header[2], radix: 16)) is not unsigned bytes (0x08)")
        }
        let rank = Int(header[3])
        guard (1...4).contains(rank) else {
            throw .malformed(path: path, reason: "rank \(rank) is not between 1 and 4")
        }
        var sizeBytes = [UInt8](repeating: 0, count: 4 * rank)
        try IDXArray.readExactly(file, into: &sizeBytes, path: path, what: "the dimension sizes")
        var dimensions: [Int] = []
        for d in 0..<rank {
            let size = sizeBytes[(4 * d)..<(4 * d + 4)].reduce(0) { $0 << 8 | Int($1) }
            dimensions.append(size)
        }
        let count = dimensions.reduce(1, *)
        guard count <= 1 << 31 else {
            throw .malformed(path: path, reason: "dimensions \(dimensions) are implausibly large")
        }
        var bytes = [UInt8](repeating: 0, count: count)
        try IDXArray.readExactly(file, into: &bytes, path: path, what: "\(count) elements")
        self.init(dimensions: dimensions, bytes: bytes)
    }

    private static func readExactly(_ file: gzFile, into buffer: inout [UInt8], path: String, what: String) throws(DatasetError) {
        var done = 0
        while done < buffer.count {
            let chunk = min(buffer.count - done, 1 << 30)
            let n = buffer.withUnsafeMutableBytes { gzread(file, $0.baseAddress! + done, UInt32(chunk)) }
            if n < 0 { throw .unreadable(path: path, reason: "a read error (corrupt gzip data?) while reading \(what)") }
            if n == 0 { throw .malformed(path: path, reason: "the file ends before \(what) (\(done) of \(buffer.count) bytes)") }
            done += Int(n)
        }
    }
}

extension IDXArray {
    /// Writes the array as an IDX file of unsigned bytes, plain (used by tests and tools).
    public func idxFileBytes() -> [UInt8] {
        var out: [UInt8] = [0, 0, 0x08, UInt8(dimensions.count)]
        for size in dimensions {
            out.append(contentsOf: [UInt8(size >> 24 & 0xFF), UInt8(size >> 16 & 0xFF), UInt8(size >> 8 & 0xFF), UInt8(size & 0xFF)])
        }
        out.append(contentsOf: bytes)
        return out
    }
}
