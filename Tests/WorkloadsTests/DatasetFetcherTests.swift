import Foundation
import SweepCore
import SweepTestSupport
import Testing
import Workloads

/// `python3 -m http.server` on 127.0.0.1 and a free port, serving `root`.
final class LocalHTTPServer {
    let process = Process()
    let port: Int

    init(root: String) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-u", "-m", "http.server", "--bind", "127.0.0.1", "--directory", root, "0"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        // The first line is "Serving HTTP on 127.0.0.1 port N (http://127.0.0.1:N/) ...".
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard let range = text.range(of: "port "), let port = Int(text[range.upperBound...].prefix { $0.isNumber }) else {
            process.terminate()
            throw CocoaError(.fileReadUnknown)
        }
        self.port = port
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Kills the server (SIGKILL: the child may inherit a blocked SIGTERM from the test runner).
    func stop() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

@Suite(.serialized) struct DatasetFetcherTests {
    /// Serves a tiny IDX set as `<mirror>/tiny/<file>` and returns its descriptor.
    static func serveTinySet(in dir: TemporaryFolder) throws -> DatasetDescriptor {
        try FileManager.default.createDirectory(atPath: dir.path + "/mirror/tiny", withIntermediateDirectories: true)
        try IDXWriter.writeTinySet(count: 12, to: dir.path + "/mirror/tiny", gzip: true)
        let files = try DatasetDescriptor.standardFileNames.map { name in
            DatasetDescriptor.File(name: name, sha256: try Digest.sha256Hex(fileAtPath: dir.path + "/mirror/tiny/" + name))
        }
        return DatasetDescriptor(name: "tiny", files: files, mirrors: [], pixelMean: 0.5, pixelStandardDeviation: 0.5)
    }

    @Test func fetchesVerifiesAndStoresIntoTheCache() async throws {
        let dir = try TemporaryFolder("sweep-dataset")
        let descriptor = try Self.serveTinySet(in: dir)
        let server = try LocalHTTPServer(root: dir.path + "/mirror")
        defer { server.stop() }
        let fetcher = DatasetFetcher(environment: ["SWEEP_DATA_MIRROR": server.baseURL, "HOME": dir.path + "/home"])
        var lines: [String] = []
        let stored = try await fetcher.fetch(descriptor) { lines.append($0) }
        #expect(stored == dir.path + "/home/.cache/sweep/datasets/tiny")
        for file in descriptor.files {
            #expect(try Digest.sha256Hex(fileAtPath: stored + "/" + file.name) == file.sha256)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: stored).sorted() == descriptor.files.map(\.name).sorted())
        #expect(lines.count == 4 && lines.allSatisfy { $0.contains("downloaded from \(server.baseURL)/tiny/") })
        // The catalogue now finds it, and a second fetch downloads nothing.
        let catalog = DatasetCatalog(environment: ["HOME": dir.path + "/home"], descriptors: [descriptor])
        #expect(try catalog.locate("tiny") == stored)
        lines = []
        _ = try await fetcher.fetch(descriptor) { lines.append($0) }
        #expect(lines.allSatisfy { $0.hasSuffix("already present") })
    }

    @Test func refusesAChecksumMismatchAndLeavesNothing() async throws {
        let dir = try TemporaryFolder("sweep-dataset")
        var descriptor = try Self.serveTinySet(in: dir)
        let wrong = String(repeating: "0", count: 64)
        descriptor.files[0].sha256 = wrong
        let server = try LocalHTTPServer(root: dir.path + "/mirror")
        defer { server.stop() }
        let fetcher = DatasetFetcher(cacheRoot: dir.path + "/cache", mirrorOverride: server.baseURL)
        let error = await #expect(throws: DatasetError.self) { try await fetcher.fetch(descriptor) }
        guard case .checksumMismatch(let file, let expected, let actual)? = error else {
            Issue.record("expected a checksum mismatch, got \(String(describing: error))")
            return
        }
        #expect(file == "\(server.baseURL)/tiny/\(descriptor.files[0].name)")
        #expect(expected == wrong && actual != wrong)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path + "/cache/tiny").isEmpty)
    }

    @Test func reportsAMissingFileOnTheMirror() async throws {
        let dir = try TemporaryFolder("sweep-dataset")
        var descriptor = try Self.serveTinySet(in: dir)
        descriptor.name = "absent"
        try FileManager.default.createDirectory(atPath: dir.path + "/mirror/absent", withIntermediateDirectories: true)
        let server = try LocalHTTPServer(root: dir.path + "/mirror")
        defer { server.stop() }
        let fetcher = DatasetFetcher(cacheRoot: dir.path + "/cache", mirrorOverride: server.baseURL)
        let error = await #expect(throws: DatasetError.self) { try await fetcher.fetch(descriptor) }
        #expect(error.map { "\($0)".contains("HTTP status 404") } == true)
    }
}
