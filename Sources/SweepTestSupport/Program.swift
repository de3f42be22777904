import CSweepShims
#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Runs a program to completion the one way every suite does: stdin from /dev/null, stdout
/// and stderr captured, a hang guard instead of a time bound.
///
/// The streams go to files in a `TemporaryFolder`, not pipes, and the child is started with
/// `sweep_spawn` and waited for by its pid, not with Foundation's `Process` (which learns of
/// the exit from a descriptor the child inherits): a child that leaves a process running
/// with its descriptors, or writes more than a pipe holds, cannot hang the test.
public enum Program {
    /// Runs `executable arguments` in `directory` (the test's own by default) with this
    /// process's environment plus `environment`, and waits for it to exit.
    /// - Parameter timeout: a hang guard only: past it the program is killed and
    ///   `ProgramTimedOut` thrown; generous, so a busy machine never reaches it.
    /// - Returns: its exit status and both streams, whatever the status.
    public static func run(_ executable: String, _ arguments: [String] = [], in directory: String? = nil,
                           environment: [String: String] = [:], timeout: Double = 120) throws -> ProgramResult {
        let streams = try TemporaryFolder("sweep-program")
        let out = streams.file("stdout"), err = streams.file("stderr")
        let command = [executable] + arguments
        // Close-on-exec: only the child's 0, 1 and 2 (dup2'd by sweep_spawn) keep them.
        let fds = [open("/dev/null", O_RDONLY | O_CLOEXEC), open(out, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644),
                   open(err, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)]
        defer { for fd in fds where fd >= 0 { close(fd) } }
        guard !fds.contains(where: { $0 < 0 }) else { throw ProgramNotStarted(command: command, error: errno) }
        let argv = command.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let variables = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let envp = variables.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { envp.forEach { free($0) } }
        var pid: pid_t = 0
        let rc: Int32 = if let directory {
            sweep_spawn(&pid, executable, argv, envp, fds, directory, SWEEP_SPAWN_SAME_GROUP)
        } else {
            sweep_spawn(&pid, executable, argv, envp, fds, nil, SWEEP_SPAWN_SAME_GROUP)
        }
        guard rc == 0 else { throw ProgramNotStarted(command: command, error: rc) }

        // Polled: a blocking waitpid could not be given up at the guard.
        var status: Int32 = 0
        let deadline = Date(timeIntervalSinceNow: timeout)
        while true {
            let waited = waitpid(pid, &status, WNOHANG)
            if waited == pid { break }
            if waited < 0 && errno != EINTR { throw ProgramNotStarted(command: command, error: errno) }
            if Date() > deadline {
                kill(pid, SIGKILL)
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                throw ProgramTimedOut(command: command, seconds: timeout)
            }
            usleep(2_000)
        }
        // Exited: its code; killed: the signal's number (as Foundation's terminationStatus).
        let signal = status & 0x7f
        return ProgramResult(command: command, status: signal == 0 ? (status >> 8) & 0xff : signal,
                             stdout: (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
                             stderr: (try? String(contentsOfFile: err, encoding: .utf8)) ?? "")
    }
}

/// A finished program: how it exited and what it wrote.
public struct ProgramResult: Sendable {
    public let command: [String]
    /// The exit status (or the signal's number, if a signal ended it).
    public let status: Int32
    public let stdout: String
    public let stderr: String

    /// stdout without the surrounding blank space (`git rev-parse` and the like).
    public var trimmed: String { stdout.trimmingCharacters(in: .whitespacesAndNewlines) }

    /// Itself if the program exited 0; else throws `ProgramFailed` naming the command, its
    /// status and the end of its stderr.
    @discardableResult
    public func succeeded() throws -> ProgramResult {
        guard status == 0 else { throw ProgramFailed(command: command, status: status, stderr: String(stderr.suffix(2000))) }
        return self
    }
}

public struct ProgramFailed: Error, CustomStringConvertible {
    public let command: [String]
    public let status: Int32
    public let stderr: String
    public var description: String { "\(command.joined(separator: " ")) exited \(status): \(stderr)" }
}

public struct ProgramTimedOut: Error, CustomStringConvertible {
    public let command: [String]
    public let seconds: Double
    public var description: String { "\(command.joined(separator: " ")) did not finish in \(seconds) s (killed)" }
}

/// The program could not be started (no such file, not executable, ...), or not waited for.
public struct ProgramNotStarted: Error, CustomStringConvertible {
    public let command: [String]
    public let error: Int32
    public var description: String { "cannot run \(command.joined(separator: " ")): \(String(cString: strerror(error)))" }
}
