import Foundation
import SweepCore
import SweepTestSupport
import Testing

@testable import SweepRemote

@Suite struct BinaryCacheTests {
    static func hash(_ digit: Character) -> String { String(repeating: digit, count: 64) }

    @Test func theMostRecentlyUsedAreKeptAndOnlyIdleOnesBeyondThemAreRemoved() throws {
        let scratch = try TemporaryFolder("sweep-cache")
        let home = scratch.url.appendingPathComponent("sweep-cache").path
        let cache = try BinaryCacheFolder(home: home)
        // Recency after the launch: the new binary, 1 (10 min), 2 (20 min) are kept; 3 (30 min)
        // is beyond them but used within the hour; 4, 5 and 6 (2-4 h) go.
        for (digit, minutes) in [("1", 10.0), ("2", 20), ("3", 30), ("4", 120), ("5", 180), ("6", 240)] {
            try cache.add(Self.hash(Character(digit)), usedMinutesAgo: minutes)
        }
        try cache.add("mine", usedMinutesAgo: 600)  // not a hash: not the cache's
        try cache.add(String(Self.hash("7").dropLast()) + "g", usedMinutesAgo: 600)
        let uploading = Self.hash("8")  // an upload in progress has no `sweep` yet
        try FileManager.default.createDirectory(atPath: "\(cache.bin)/\(uploading)", withIntermediateDirectories: true)

        let binary = home + "/built-sweep"
        try "#!/bin/sh\necho sweep\n".write(toFile: binary, atomically: true, encoding: .utf8)
        let hash = try Digest.sha256Hex(fileAtPath: binary)
        let local = LocalCache(binary: (binary, hash), dataFiles: { _ in [] }, home: home)
        try local.ensureBinary()

        #expect(FileManager.default.isExecutableFile(atPath: local.binaryPath))
        #expect(cache.folders == [hash, Self.hash("1"), Self.hash("2"), Self.hash("3"), "mine",
                                  String(Self.hash("7").dropLast()) + "g", uploading])
        let used = try #require(try FileManager.default.attributesOfItem(atPath: local.binaryPath)[.modificationDate] as? Date)
        #expect(abs(used.timeIntervalSinceNow) < 60, "the binary started is marked used")
    }

    @Test func aBinaryUsedAgainIsMarkedAndAMissingCacheIsNoError() throws {
        let scratch = try TemporaryFolder("sweep-cache")
        let home = scratch.path
        let script = BinaryCache.markUsedAndPruneScript(hash: Self.hash("a"))
        let missing = try exitStatus(ofScript: script, directory: home)
        #expect(missing == 0, "no cache folder yet")

        let cache = try BinaryCacheFolder(home: home)
        for digit in "abcde" { try cache.add(Self.hash(digit), usedMinutesAgo: 300) }
        #expect(try exitStatus(ofScript: script, directory: home) == 0)
        // All five were idle for hours; `a`, marked used, stays with the two listed next.
        #expect(cache.folders.count == BinaryCache.kept && cache.folders.contains(Self.hash("a")), "\(cache.folders)")
    }

    /// Runs `script` with /bin/sh in `directory` and returns its exit status.
    func exitStatus(ofScript script: String, directory: String) throws -> Int32 {
        try Program.run("/bin/sh", ["-c", script], in: directory).status
    }
}
