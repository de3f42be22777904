#if canImport(Glibc)
import Glibc
#endif
import Foundation
import SweepRuntime
import Testing

/// `LineReader` over a real pipe, fed by a writer thread in pieces that split lines anywhere.
@Suite struct LineReaderTests {
    /// Writes `text` into a pipe in pieces of `piece` bytes and reads it back line by line.
    static func read(_ text: [UInt8], piece: Int, maxLineBytes: Int = .max) -> [String] {
        var fds: [Int32] = [0, 0]
        precondition(pipe(&fds) == 0)
        let writeEnd = fds[1]
        let writer = Thread {
            var offset = 0
            while offset < text.count {
                let count = min(piece, text.count - offset)
                let written = text.withUnsafeBytes { write(writeEnd, $0.baseAddress! + offset, count) }
                precondition(written > 0)
                offset += written
            }
            close(writeEnd)
        }
        writer.start()
        let reader = LineReader(fileDescriptor: fds[0], maxLineBytes: maxLineBytes)
        var lines: [String] = []
        while let line = reader.readLine() { lines.append(line) }
        close(fds[0])
        return lines
    }

    static let lines = ["", "short", String(repeating: "x", count: 200_000), "after the long one", "", "é ü 漢字",
                        String(repeating: "y", count: 65_536), String(repeating: "z", count: 65_535)]
        + (0..<5_000).map { "line \($0)" }

    @Test(arguments: [1, 7, 4096, 65_536, 1 << 20])
    func everyLineComesBackWhateverTheWritesSplit(piece: Int) {
        let text = Array((Self.lines.joined(separator: "\n") + "\npartial last").utf8)
        #expect(Self.read(text, piece: piece) == Self.lines + ["partial last"])
    }

    @Test(arguments: [3, 4096, 1 << 20])
    func longLinesAreCutAndTheirRestDropped(piece: Int) {
        let text = Array((Self.lines.joined(separator: "\n") + "\n" + String(repeating: "w", count: 300_000)).utf8)
        let cut = Self.lines.map { String(decoding: $0.utf8.prefix(1000), as: UTF8.self) } + [String(repeating: "w", count: 1000)]
        #expect(Self.read(text, piece: piece, maxLineBytes: 1000) == cut)
    }
}
