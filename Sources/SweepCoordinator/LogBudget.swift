/// Holds each attempt's stored log to `maxBytes` whatever its worker sends (a worker's
/// messages are not trusted with the coordinator's disk, as with `OutputWriter`): lines
/// past it are dropped, and the log says so once. Workers keep far less themselves (the
/// `command` workload at most 1.5 MiB per attempt); this is the backstop. Used from the
/// coordinator's loop only.
final class LogBudget {
    /// The most bytes of log lines one attempt stores.
    static let maxBytes = 4 << 20

    /// By job: its latest attempt and the bytes it logged (past `maxBytes`: cut off).
    private var used: [Int64: (attempt: Int, bytes: Int)] = [:]

    /// The line to store for this attempt: `line` itself, the marker once the budget is
    /// spent, then nil.
    func take(job: Int64, attempt: Int, line: String) -> String? {
        var bytes = used[job].flatMap { $0.attempt == attempt ? $0.bytes : nil } ?? 0
        guard bytes <= Self.maxBytes else { return nil }
        bytes += line.utf8.count + 1
        used[job] = (attempt, bytes)
        guard bytes > Self.maxBytes else { return line }
        return "… the rest of this attempt's log is not kept (past \(Self.maxBytes >> 20) MiB)"
    }

    /// Forgets a job's attempt once it ended.
    func end(job: Int64) {
        used[job] = nil
    }
}
