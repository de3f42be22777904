/// A `report` section or report flag that does not describe a valid table.
public struct ReportSpecError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Where the problem is: a JSON path (`report.tables[1].window`) or a flag (`--window`).
    public var path: String
    /// What was expected and what was found.
    public var message: String

    /// Creates an error at `path`.
    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    /// The message users see: `path: message`.
    public var description: String { "\(path): \(message)" }
}
