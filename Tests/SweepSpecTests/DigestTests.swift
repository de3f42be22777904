import Foundation
import SweepCore
import Testing

@Suite struct DigestTests {
    @Test func knownVector() {
        #expect(Digest.sha256Hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func theCachedFileDigestFollowsChangesToTheFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("digest-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data("first".utf8).write(to: URL(fileURLWithPath: path))
        let first = try Digest.cachedSHA256Hex(fileAtPath: path)
        #expect(first == Digest.sha256Hex(Array("first".utf8)))
        #expect(try Digest.cachedSHA256Hex(fileAtPath: path) == first)
        try Data("second, longer".utf8).write(to: URL(fileURLWithPath: path))
        #expect(try Digest.cachedSHA256Hex(fileAtPath: path) == Digest.sha256Hex(Array("second, longer".utf8)))
        #expect(throws: FileError.self) { try Digest.cachedSHA256Hex(fileAtPath: path + ".missing") }
    }
}
