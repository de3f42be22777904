import Foundation
import Testing
@testable import Workloads

/// A spec in `Sweeps/` finds the project's files beside `Sweeps/`, and only then.
@Suite struct CommandFilesProjectTests {
    @Test func aSpecInSweepsReadsFilesFromTheProjectOnlyWhenTheyAreNotInSweeps() throws {
        let project = FileManager.default.temporaryDirectory.appendingPathComponent("sweep-files-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: project) }
        let sweeps = project.appendingPathComponent("Sweeps")
        try FileManager.default.createDirectory(at: sweeps, withIntermediateDirectories: true)
        try Data().write(to: project.appendingPathComponent("train.py"))
        try Data().write(to: project.appendingPathComponent("both.py"))
        try Data().write(to: sweeps.appendingPathComponent("both.py"))

        #expect(CommandFiles.folder(for: ["train.py"], specFolder: sweeps.path) == project.path)
        #expect(CommandFiles.folder(for: ["both.py"], specFolder: sweeps.path) == sweeps.path)
        #expect(CommandFiles.folder(for: ["train.py", "missing.py"], specFolder: sweeps.path) == sweeps.path)
        #expect(CommandFiles.folder(for: ["train.py"], specFolder: project.path) == project.path)
        let other = project.appendingPathComponent("Specs")
        try FileManager.default.createDirectory(at: other, withIntermediateDirectories: true)
        #expect(CommandFiles.folder(for: ["train.py"], specFolder: other.path) == other.path)
        // The manifest's paths stay relative to the folder chosen: train.py, not ../train.py.
        let home = project.appendingPathComponent("home").path
        let entries = try CommandFiles.manifest(of: ["train.py"], in: CommandFiles.folder(for: ["train.py"], specFolder: sweeps.path), home: home)
        #expect(entries.map(\.path) == ["train.py"])
    }
}
