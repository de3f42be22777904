import Foundation
import SweepCore
import SweepTestSupport
import Testing
@testable import SweepCoordinator

/// What a worker may write on the coordinator's side: plain relative paths, within bounds.
@Suite struct OutputWriterTests {
    @Test func writesChunksInPlaceAndRefusesPathsThatLeaveItsFolderOrPassTheCap() throws {
        let scratch = try TemporaryFolder("outputs")
        let root = scratch.url.appendingPathComponent("outputs").path
        let writer = OutputWriter(root: root)
        #expect(writer.write(job: 1, attempt: 1, path: "a/b.txt", offset: 0, bytes: Array("hello ".utf8)) == nil)
        #expect(writer.write(job: 1, attempt: 1, path: "a/b.txt", offset: 6, bytes: Array("world".utf8)) == nil)
        #expect(FileManager.default.contents(atPath: root + "/job-1/attempt-1/a/b.txt") == Data("hello world".utf8))
        for bad in ["../x", "/etc/x", "a/../../x", "a//b", "./a", ""] {
            #expect(writer.write(job: 1, attempt: 1, path: bad, offset: 0, bytes: [1]) != nil, "\(bad) was written")
        }
        let big = [UInt8](repeating: 7, count: JobOutput.maxBytes)
        #expect(writer.write(job: 2, attempt: 1, path: "big", offset: 0, bytes: big) == nil)
        #expect(writer.write(job: 2, attempt: 1, path: "more", offset: 0, bytes: [1]) != nil)
        #expect(!FileManager.default.fileExists(atPath: root + "/job-2/attempt-1/more"))
        // A new attempt starts with a fresh budget.
        #expect(writer.write(job: 2, attempt: 2, path: "more", offset: 0, bytes: [1]) == nil)
    }
}
