/// Files a job leaves in `$SWEEP_OUTPUT`, brought back to the coordinator's side: where
/// they land and the bounds every side checks (a worker's messages are not trusted with
/// the coordinator's disk).
public enum JobOutput {
    /// The most bytes and files one attempt brings back.
    public static let maxBytes = 64 << 20
    public static let maxFiles = 1_000
    /// Bytes per message (base64 makes a line a third longer).
    public static let chunkBytes = 192 << 10
    /// The longest relative path.
    public static let maxPathBytes = 1_024

    /// `ROOT/job-ID/attempt-N`.
    public static func folder(root: String, job: Int64, attempt: Int) -> String {
        root + "/job-\(job)/attempt-\(attempt)"
    }

    /// `sweep-outputs` beside the database.
    public static func root(database: String) -> String {
        let cut = database.lastIndex(of: "/")
        let directory = cut.map { String(database[..<$0]) } ?? "."
        return (directory.isEmpty ? "/" : directory) + "/sweep-outputs"
    }

    /// A relative path of plain components (no `.`, `..`, empty parts or NUL), short enough.
    public static func isSafe(_ path: String) -> Bool {
        guard !path.isEmpty, path.utf8.count <= maxPathBytes, !path.hasPrefix("/"), !path.contains("\0") else { return false }
        return path.split(separator: "/", omittingEmptySubsequences: false).allSatisfy {
            !$0.isEmpty && $0 != "." && $0 != ".." && $0.utf8.count <= 255
        }
    }
}
