/// Why a data set could not be found, read, or fetched; each case names the file or data
/// set and what to do.
public enum DatasetError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A file exists but cannot be read.
    case unreadable(path: String, reason: String)
    /// A file is not what its name promises.
    case malformed(path: String, reason: String)
    /// No directory on the search path holds the data set.
    case notFound(name: String, searched: [String], remedy: String)
    /// A name that is neither a known data set nor usable as a path.
    case unknownDataset(name: String, known: [String])
    /// A download failed.
    case downloadFailed(url: String, reason: String)
    /// A downloaded file's SHA-256 differs from the catalogue's; nothing was stored.
    case checksumMismatch(file: String, expected: String, actual: String)
    /// A file could not be written into the cache.
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            return "cannot read \(path): \(reason)"
        case .malformed(let path, let reason):
            return "\(path) is not a valid IDX file: \(reason)"
        case .notFound(let name, let searched, let remedy):
            return "data set '\(name)' not found (searched \(searched.joined(separator: ", "))); \(remedy)"
        case .unknownDataset(let name, let known):
            return "unknown data set '\(name)'; known: \(known.joined(separator: ", ")) (or set data_dir to a directory of IDX files)"
        case .downloadFailed(let url, let reason):
            return "download of \(url) failed: \(reason)"
        case .checksumMismatch(let file, let expected, let actual):
            return "refusing \(file): SHA-256 is \(actual), expected \(expected); nothing was stored"
        case .writeFailed(let path, let reason):
            return "cannot write \(path): \(reason)"
        }
    }
}
