#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Runs a program to completion the one way every suite does: stdin from /dev/null, stdout
/// and stderr captured, a hang guard instead of a time bound.
///
/// The streams go to files in a `TemporaryFolder`, not pipes: a child that starts a daemon
/// (which keeps the descriptors) or writes more than a pipe holds cannot hang the test.
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
        for file in [out, err] { _ = FileManager.default.createFile(atPath: file, contents: nil) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardInput = FileHandle.nullDevice
        let outHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        let errHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
        defer { try? outHandle.close(); try? errHandle.close() }
        process.standardOutput = outHandle
        process.standardError = errHandle
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        try process.run()
        let command = [executable] + arguments
        if exited.wait(timeout: .now() + timeout) == .timedOut {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw ProgramTimedOut(command: command, seconds: timeout)
        }
        process.waitUntilExit()
        return ProgramResult(command: command, status: process.terminationStatus,
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
