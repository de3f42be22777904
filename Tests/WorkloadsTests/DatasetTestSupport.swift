import CZlib
import Foundation
import Workloads

enum IDXWriter {
    /// Writes `bytes` to `path`, gzip-compressed when `gzip` is set (through zlib's gzwrite).
    static func write(_ bytes: [UInt8], to path: String, gzip: Bool) throws {
        if gzip {
            guard let file = gzopen(path, "wb") else { throw CocoaError(.fileWriteUnknown) }
            let written = bytes.withUnsafeBytes { gzwrite(file, $0.baseAddress, UInt32($0.count)) }
            gzclose(file)
            guard written == bytes.count else { throw CocoaError(.fileWriteUnknown) }
        } else {
            try Data(bytes).write(to: URL(fileURLWithPath: path))
        }
    }

    /// Writes a tiny data set of `count` 28x28 images per split (label = index mod 10,
    /// image = a bright square whose position depends on the label) into `directory`.
    static func writeTinySet(count: Int, to directory: String, gzip: Bool) throws {
        for (prefix, n) in [("train", count), ("t10k", count)] {
            var images = [UInt8](repeating: 0, count: n * 28 * 28)
            var labels = [UInt8](repeating: 0, count: n)
            for e in 0..<n {
                let label = e % 10
                labels[e] = UInt8(label)
                let top = 2 + (label / 5) * 12, left = 2 + (label % 5) * 5
                for y in top..<(top + 8) {
                    for x in left..<(left + 4) { images[e * 784 + y * 28 + x] = UInt8(150 + (e * 7) % 100) }
                }
            }
            let suffix = gzip ? ".gz" : ""
            try write(IDXArray(dimensions: [n, 28, 28], bytes: images).idxFileBytes(), to: "\(directory)/\(prefix)-images-idx3-ubyte\(suffix)", gzip: gzip)
            try write(IDXArray(dimensions: [n], bytes: labels).idxFileBytes(), to: "\(directory)/\(prefix)-labels-idx1-ubyte\(suffix)", gzip: gzip)
        }
    }
}
