/// The outcome of a short remote command run with `SSHSession.run(_:)`.
public struct SSHCommandResult: Sendable, Equatable {
    /// Everything the command wrote to standard output.
    public var stdout: [UInt8]
    /// Everything the command wrote to standard error.
    public var stderr: [UInt8]
    /// The command's exit status; `-1` when it died from a signal or the channel closed
    /// without reporting one. Non-zero statuses are data, never thrown.
    public var exitStatus: Int32
    /// The signal that killed the command, without `SIG` (`"KILL"`), or `nil`.
    public var exitSignal: String?

    /// Creates a result from its parts.
    public init(stdout: [UInt8], stderr: [UInt8], exitStatus: Int32, exitSignal: String? = nil) {
        self.stdout = stdout
        self.stderr = stderr
        self.exitStatus = exitStatus
        self.exitSignal = exitSignal
    }

    /// Standard output decoded as UTF-8 (invalid bytes replaced).
    public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    /// Standard error decoded as UTF-8 (invalid bytes replaced).
    public var stderrText: String { String(decoding: stderr, as: UTF8.self) }
}
