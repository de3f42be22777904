import Foundation

/// A report that cannot be written where it was asked to go: the path and why, in words
/// (`Reports/dist: is a file, not a folder`), never a Foundation error dump.
public struct ReportOutputError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file or folder that could not be used.
    public var path: String
    /// Why, and what to do about it.
    public var message: String

    /// Creates an error about `path`.
    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    /// An error from a failed system call, with the C library's text for `code` (an errno).
    static func system(_ path: String, _ action: String, code: Int32) -> ReportOutputError {
        ReportOutputError(path: path, message: "cannot \(action): \(String(cString: strerror(code)))")
    }

    /// `cannot write the report to PATH: MESSAGE`
    public var description: String { "cannot write the report to \(path): \(message)" }
}
