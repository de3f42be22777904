import Foundation
import SweepCore
import SweepTestSupport
import Testing
@testable import Workloads

/// A spec in `Sweeps/` finds the project's files beside `Sweeps/`, and only then.
@Suite struct CommandFilesProjectTests {
    @Test func aSpecInSweepsReadsFilesFromTheProjectOnlyWhenTheyAreNotInSweeps() throws {
        let scratch = try TemporaryFolder("sweep-files")
        let project = scratch.url.appendingPathComponent("sweep-files")
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

    @Test func aMissingFileNamesBothPlacesTried() throws {
        let scratch = try TemporaryFolder("sweep-files")
        let project = scratch.url.appendingPathComponent("sweep-files")
        let sweeps = project.appendingPathComponent("Sweeps")
        try FileManager.default.createDirectory(at: sweeps, withIntermediateDirectories: true)
        let config = JobConfig(["command": "python3 train.py", "files": ["train.py"]])
        let error = #expect(throws: ConfigProblem.self) { try Command.resolve([config], specFolder: sweeps.path) }
        #expect(error?.message.contains("does not exist in \(sweeps.resolvingSymlinksInPath().path)") == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("nor in \(project.standardizedFileURL.path), the project folder holding Sweeps/") == true,
                "\(error?.message ?? "")")
    }
}
