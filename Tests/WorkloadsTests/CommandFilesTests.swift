#if canImport(Glibc)
import Glibc
#endif
import Foundation
import SweepCore
import Testing
@testable import Workloads

/// The file cache of the `command` workload: entries named by the hash of what was copied,
/// checked again when an attempt copies them into its folder.
@Suite struct CommandFilesTests {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("sweep-files-\(UUID().uuidString)").path
    var home: String { root + "/home" }
    var cache: String { home + "/" + CommandFiles.cacheFolder }

    init() throws {
        for folder in [root + "/spec", root + "/job", home] {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
    }

    @Test func aCachedFileIsNamedByTheHashOfItsBytes() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        try "print('loss: 1')\n".write(toFile: root + "/spec/train.py", atomically: false, encoding: .utf8)
        let entries = try CommandFiles.manifest(of: ["train.py"], in: root + "/spec", home: home)
        let entry = try #require(entries.first)
        #expect(try Digest.sha256Hex(fileAtPath: cache + "/" + entry.sha256) == entry.sha256)
        #expect(try FileManager.default.contentsOfDirectory(atPath: cache) == [entry.sha256], "no temporary copy is left")
    }

    /// An entry that changed in the cache after it was made (by hand, a bad disk) fails the
    /// attempt that would have used it, saying so, and is removed so a launch makes it anew.
    @Test func anAttemptRefusesACacheEntryThatDoesNotMatchItsHash() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        try "print('loss: 1')\n".write(toFile: root + "/spec/train.py", atomically: false, encoding: .utf8)
        let entry = try #require(try CommandFiles.manifest(of: ["train.py"], in: root + "/spec", home: home).first)
        let cached = cache + "/" + entry.sha256
        chmod(cached, 0o600)
        try "print('loss: 666')\n".write(toFile: cached, atomically: false, encoding: .utf8)
        #expect { try CommandFiles.stage([entry], into: root + "/job", home: home) } throws: { error in
            "\(error)".contains("the cached copy of train.py") && "\(error)".contains("does not match its hash")
        }
        #expect(!FileManager.default.fileExists(atPath: cached), "the corrupt entry is removed")
    }
}
