import Foundation
import Testing

/// Compares rendered text with a golden file in `Golden/` next to this file, byte for byte.
///
/// Set `SWEEP_UPDATE_GOLDEN=1` to rewrite the golden files after an intended change (then
/// review the diff); a missing golden file is a failure, never silently created.
enum GoldenFile {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    static func check(_ actual: String, against name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let url = directory.appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["SWEEP_UPDATE_GOLDEN"] == "1" {
            try Data(actual.utf8).write(to: url)
            return
        }
        let expected = try #require(FileManager.default.contents(atPath: url.path), "missing golden file \(name)", sourceLocation: sourceLocation)
        let expectedText = String(decoding: expected, as: UTF8.self)
        #expect(actual == expectedText, "output differs from Golden/\(name)", sourceLocation: sourceLocation)
        if actual != expectedText {
            let actualLines = actual.split(separator: "\n", omittingEmptySubsequences: false)
            let expectedLines = expectedText.split(separator: "\n", omittingEmptySubsequences: false)
            if let first = zip(actualLines, expectedLines).enumerated().first(where: { $0.element.0 != $0.element.1 }) {
                Issue.record("first difference at line \(first.offset + 1):\n  got:      \(first.element.0)\n  expected: \(first.element.1)", sourceLocation: sourceLocation)
            }
        }
    }
}
