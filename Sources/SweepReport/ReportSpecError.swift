/// `sweep report` flags that do not describe a valid table, or name what the sweep lacks.
/// (Problems in a spec's `report` section are `SpecError`s, found when the spec is validated.)
public struct ReportSpecError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The flag at fault (`--window`, `--rows`).
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
