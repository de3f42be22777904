import Foundation

/// A host's `~/.cache/sweep/bin` (in a test's own home folder) holding stand-in binaries last
/// used at given ages, and what is left of it after sweep pruned it.
public struct BinaryCacheFolder {
    public let bin: String

    public init(home: String) throws {
        bin = home + "/.cache/sweep/bin"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
    }

    /// A stand-in binary under the folder `name`, last modified `minutes` ago.
    public func add(_ name: String, usedMinutesAgo minutes: Double) throws {
        try FileManager.default.createDirectory(atPath: "\(bin)/\(name)", withIntermediateDirectories: true)
        try "#!/bin/sh\n".write(toFile: "\(bin)/\(name)/sweep", atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -60 * minutes)],
                                              ofItemAtPath: "\(bin)/\(name)/sweep")
    }

    public var folders: Set<String> { Set((try? FileManager.default.contentsOfDirectory(atPath: bin)) ?? []) }
}
