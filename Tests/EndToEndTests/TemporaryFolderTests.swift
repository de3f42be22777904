import Foundation
import SweepTestSupport
import Testing

/// The test kit's temporary folders go when the test is done with them, whatever is in them.
@Suite struct TemporaryFolderTests {
    @Test func aFolderGoesWithItsReadOnlyContentsButNotWhatALinkInItPointsAt() throws {
        let outside = try TemporaryFolder("sweep-outside")
        let kept = outside.file("kept.txt")
        try "keep me".write(toFile: kept, atomically: true, encoding: .utf8)
        var path = ""
        do {
            let folder = try TemporaryFolder()
            path = folder.path
            try FileManager.default.createDirectory(atPath: folder.file("locked/deeper"), withIntermediateDirectories: true)
            try "x".write(toFile: folder.file("locked/deeper/file"), atomically: true, encoding: .utf8)
            try FileManager.default.createSymbolicLink(atPath: folder.file("link"), withDestinationPath: outside.path)
            chmod(folder.file("locked/deeper"), 0o500)
            chmod(folder.file("locked"), 0o500)
            #expect(FileManager.default.fileExists(atPath: folder.file("locked/deeper/file")))
        }
        #expect(!path.isEmpty && !FileManager.default.fileExists(atPath: path))
        #expect(try String(contentsOfFile: kept, encoding: .utf8) == "keep me")
    }

    @Test func aSandboxsFolderGoesWithTheSandbox() throws {
        var directory: URL?
        do {
            let sandbox = try SweepSandbox()
            try sandbox.write("spec.json", "{}")
            directory = sandbox.directory
            #expect(FileManager.default.fileExists(atPath: sandbox.directory.appendingPathComponent("spec.json").path))
        }
        let gone = try #require(directory)
        #expect(!FileManager.default.fileExists(atPath: gone.path))
    }
}
