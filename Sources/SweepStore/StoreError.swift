/// A problem with the database itself or with what was asked of it. SQLite's and GRDB's
/// errors never leave the store: they arrive here with the file named.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, for callers that react differently (exit codes, retries).
    public enum Kind: String, Sendable, Hashable {
        /// No database at the path (a read-only open never creates one).
        case notFound
        /// The file or its folder cannot be opened or created.
        case cannotOpen
        /// The file is not a sweep database (or is still being created).
        case notASweepDatabase
        /// A newer `sweep` wrote the file; this one must not touch it.
        case newerVersion
        /// Another coordinator holds the database's writer lock.
        case locked
        /// Another coordinator took the writer lease over; this one must stop writing.
        case leaseLost
        /// The request cannot be answered as given (an ambiguous job key prefix).
        case invalidRequest
        /// Any other SQLite failure: I/O, a full disk, a corrupt file, a read-only file.
        case database
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
