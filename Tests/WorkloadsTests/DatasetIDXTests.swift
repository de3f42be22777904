import Foundation
import SweepTestSupport
import Testing
import Workloads

@Suite struct DatasetIDXTests {
    @Test(arguments: [false, true])
    func readsWhatWasWritten(gzip: Bool) throws {
        let dir = try TemporaryFolder("sweep-dataset")
        var bytes: [UInt8] = []
        for i in 0..<(3 * 4 * 5) { bytes.append(UInt8((i * 37) % 256)) }
        let array = IDXArray(dimensions: [3, 4, 5], bytes: bytes)
        let path = dir.path + "/x-idx3-ubyte" + (gzip ? ".gz" : "")
        try IDXWriter.write(array.idxFileBytes(), to: path, gzip: gzip)
        let read = try IDXArray(contentsOf: path)
        #expect(read == array)
    }

    @Test func rejectsAWrongElementType() throws {
        let dir = try TemporaryFolder("sweep-dataset")
        let path = dir.path + "/float-idx1"
        try IDXWriter.write([0, 0, 0x0D, 1, 0, 0, 0, 1, 0, 0, 0, 0], to: path, gzip: false)
        #expect(throws: DatasetError.malformed(path: path, reason: "element type 0xd is not unsigned bytes (0x08)")) {
            try IDXArray(contentsOf: path)
        }
    }

    @Test func rejectsATruncatedFile() throws {
        let dir = try TemporaryFolder("sweep-dataset")
        let path = dir.path + "/short-idx1.gz"
        try IDXWriter.write([0, 0, 0x08, 1, 0, 0, 0, 10, 1, 2, 3], to: path, gzip: true)
        let error = #expect(throws: DatasetError.self) { try IDXArray(contentsOf: path) }
        #expect(error.map { "\($0)".contains("ends before 10 elements (3 of 10 bytes)") } == true)
    }

    @Test func missingDataNamesTheRemedy() throws {
        let dir = try TemporaryFolder("sweep-dataset")
        let catalog = DatasetCatalog(roots: [dir.path])
        let error = #expect(throws: DatasetError.self) { try catalog.locate("fashion-mnist") }
        let text = error.map { "\($0)" } ?? ""
        #expect(text.contains("sweep data fetch fashion-mnist"))
        #expect(text.contains("dataset-fashion-mnist"))
        #expect(text.contains(dir.path + "/fashion-mnist"))
    }

    @Test func listingFindsTheFirstDirectoryOnThePath() throws {
        let first = try TemporaryFolder("sweep-dataset"), second = try TemporaryFolder("sweep-dataset")
        try FileManager.default.createDirectory(atPath: second.path + "/mnist", withIntermediateDirectories: true)
        try IDXWriter.writeTinySet(count: 10, to: second.path + "/mnist", gzip: false)
        let listing = DatasetCatalog(roots: [first.path, second.path]).listing()
        #expect(listing.map(\.name) == ["mnist", "fashion-mnist"])
        #expect(listing[0].foundIn == second.path + "/mnist")
        #expect(listing[0].searched == [first.path + "/mnist", second.path + "/mnist"])
        #expect(listing[1].foundIn == nil)
    }

    @Test func standardSearchPathOrder() {
        let catalog = DatasetCatalog(environment: ["SWEEP_DATA": "/data", "HOME": "/home/u"])
        #expect(catalog.roots == ["/data", "/home/u/.cache/sweep/datasets", "/usr/share/datasets"])
    }
}
