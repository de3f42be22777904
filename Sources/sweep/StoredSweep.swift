import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import SweepCore
import SweepStore

/// Looking a sweep up by name in the store.
enum StoredSweep {
    static func find(_ name: String?, databasePath: String) throws -> SweepInfo {
        let store = try StoreReader(path: databasePath)
        guard let info = try store.sweep(named: name) else {
            let known = (try? store.sweeps().map(\.name)) ?? []
            let hint = known.isEmpty ? "no sweeps yet" : "known: " + known.joined(separator: ", ")
            throw ValidationError(name.map { "no sweep named \"\($0)\" in \(databasePath) (\(hint))" }
                ?? "no sweep in \(databasePath) yet: launch one first")
        }
        return info
    }
}
