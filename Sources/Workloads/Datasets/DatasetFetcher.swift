import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import SweepCore

/// Downloads a data set's IDX files into the cache, checking each file's SHA-256.
///
/// Each file is written to a temporary name in the target directory and renamed into
/// place only after its checksum matched, so an interrupted or refused download never
/// leaves a file under the real name. Files already present with the right checksum
/// are kept.
public struct DatasetFetcher: Sendable {
    /// Base URLs tried in order; `nil` means each descriptor's own mirrors.
    public var mirrorOverride: String?
    /// The cache root; a data set goes to `<cacheRoot>/<name>`.
    public var cacheRoot: String

    /// Makes a fetcher; `SWEEP_DATA_MIRROR` (a base URL serving `<name>/<file>`) replaces
    /// the canonical mirrors, and the cache root follows `DatasetCatalog.cacheRoot`.
    public init(environment: [String: String]) {
        let mirror = environment["SWEEP_DATA_MIRROR"].flatMap { $0.isEmpty ? nil : $0 }
        self.init(cacheRoot: DatasetCatalog.cacheRoot(environment: environment), mirrorOverride: mirror)
    }

    /// Makes a fetcher writing under `cacheRoot`, downloading from `mirrorOverride/<name>`
    /// when given and from the descriptor's mirrors otherwise.
    public init(cacheRoot: String, mirrorOverride: String? = nil) {
        self.cacheRoot = cacheRoot
        self.mirrorOverride = mirrorOverride
    }

    /// The fetcher for this process's environment.
    public static var current: DatasetFetcher {
        DatasetFetcher(environment: ProcessInfo.processInfo.environment)
    }

    /// Downloads the four files of `descriptor` into `<cacheRoot>/<name>` and returns that directory.
    ///
    /// - Parameter log: receives one line per file (downloaded, already present).
    /// - Throws: `DatasetError.checksumMismatch` when no mirror served a file with the
    ///   expected SHA-256 (nothing is stored for it), `.downloadFailed`, `.writeFailed`.
    public func fetch(_ descriptor: DatasetDescriptor, log: (String) -> Void = { _ in }) async throws(DatasetError) -> String {
        let directory = cacheRoot + "/" + descriptor.name
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .writeFailed(path: directory, reason: "\(error)")
        }
        let bases = mirrorOverride.map { [$0.hasSuffix("/") ? String($0.dropLast()) + "/" + descriptor.name : $0 + "/" + descriptor.name] } ?? descriptor.mirrors
        for file in descriptor.files {
            let destination = directory + "/" + file.name
            if DatasetCatalog.fileExists(destination), (try? Digest.sha256Hex(fileAtPath: destination)) == file.sha256 {
                log("\(file.name): already present")
                continue
            }
            var lastError = DatasetError.downloadFailed(url: file.name, reason: "no mirror configured")
            var stored = false
            for base in bases where !stored {
                let url = base + "/" + file.name
                do {
                    try await download(url, to: destination, sha256: file.sha256)
                    log("\(file.name): downloaded from \(url)")
                    stored = true
                } catch {
                    lastError = error
                }
            }
            if !stored { throw lastError }
        }
        return directory
    }

    /// Downloads `url` to a temporary file beside `destination`, checks its SHA-256 and
    /// renames it into place; on any failure the temporary file is removed.
    private func download(_ url: String, to destination: String, sha256: String) async throws(DatasetError) {
        guard let source = URL(string: url) else { throw .downloadFailed(url: url, reason: "not a valid URL") }
        let data: Data
        do {
            let (body, response) = try await URLSession.shared.data(from: source)
            if let http = response as? HTTPURLResponse, http.statusCode != 200 {
                throw DatasetError.downloadFailed(url: url, reason: "HTTP status \(http.statusCode)")
            }
            data = body
        } catch let error as DatasetError {
            throw error
        } catch {
            throw .downloadFailed(url: url, reason: error.localizedDescription)
        }
        let actual = Digest.sha256Hex(data)
        guard actual == sha256 else {
            throw .checksumMismatch(file: url, expected: sha256, actual: actual)
        }
        let temporary = destination + ".partial-\(getpid())"
        do {
            try data.write(to: URL(fileURLWithPath: temporary))
            guard rename(temporary, destination) == 0 else {
                throw DatasetError.writeFailed(path: destination, reason: String(cString: strerror(errno)))
            }
        } catch {
            unlink(temporary)
            throw error as? DatasetError ?? .writeFailed(path: temporary, reason: "\(error)")
        }
    }
}
