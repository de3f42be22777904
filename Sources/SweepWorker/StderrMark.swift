/// The line a job runner writes on its stderr as it starts each job, so that the worker's
/// stderr reader knows which attempt every later line belongs to as it reads it.
///
/// A runner's stderr and stdout are two pipes read by two threads: a job's last stderr lines
/// can reach the worker's loop after its `finished`, when the runner already holds the next
/// job. The mark puts the boundary into the stderr stream itself. Its token is the worker's,
/// random, and removed from the runner's environment before any job runs (`sweep job`), so a
/// job cannot forge another job's lines.
public struct StderrMark: Sendable, Equatable {
    /// The runner's environment variable that carries the token.
    public static let environmentName = "SWEEP_STDERR_MARK"

    /// The job and attempt a stderr line belongs to.
    public struct Attempt: Sendable, Equatable {
        public var job: Int64
        public var attempt: Int

        public init(job: Int64, attempt: Int) {
            self.job = job
            self.attempt = attempt
        }
    }

    public let token: String

    public init(token: String) {
        self.token = token
    }

    /// A fresh token: 128 random bits, so no job's text equals it by chance.
    public static func random() -> StderrMark {
        var generator = SystemRandomNumberGenerator()
        let words = (0..<2).map { _ in String(generator.next() as UInt64, radix: 16) }
        return StderrMark(token: "sweep-stderr-mark-" + words.joined(separator: "-"))
    }

    /// The line (without its newline) that starts `attempt` on the stream.
    public func line(for attempt: Attempt) -> String {
        "\(token) \(attempt.job) \(attempt.attempt)"
    }

    /// The attempt a mark line starts; nil for any other line.
    public func attempt(in line: String) -> Attempt? {
        guard line.hasPrefix(token) else { return nil }
        let fields = line.dropFirst(token.count).split(separator: " ", omittingEmptySubsequences: false)
        guard fields.count == 3, fields[0].isEmpty, let job = Int64(fields[1]), let attempt = Int(fields[2]) else { return nil }
        return Attempt(job: job, attempt: attempt)
    }
}
