import Foundation
import SweepTestSupport
import Testing

/// The built `sweep` binary, run as a user would, in a scratch directory (removed when the
/// last copy of the sandbox goes), with a tag in its environment that every process it
/// starts inherits, so a test can find leftovers.
struct SweepSandbox {
    private let folder: TemporaryFolder
    var directory: URL { folder.url }
    let tag = "sweep-test-" + UUID().uuidString

    init() throws {
        folder = try TemporaryFolder("sweep-sandbox")
    }

    /// `$SWEEP_BINARY`, or `sweep` beside the test bundle (.build/debug/sweep).
    static var binary: URL {
        if let path = ProcessInfo.processInfo.environment["SWEEP_BINARY"] { return URL(fileURLWithPath: path) }
        return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("sweep")
    }

    var database: String { directory.appendingPathComponent("sweep.sqlite").path }

    func write(_ name: String, _ text: String) throws {
        try text.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }

    /// Starts `sweep ARGS` (or `executable ARGS`) in the sandbox; output goes to files read by
    /// `Run.stdout`, or to `terminal` (both streams).
    func start(_ arguments: [String], environment extra: [String: String] = [:],
               terminal: PseudoTerminal? = nil, executable: URL = SweepSandbox.binary) throws -> Run {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = directory
        var environment = ProcessInfo.processInfo.environment
        environment["SWEEP_TEST_TAG"] = tag
        environment.merge(extra) { $1 }
        process.environment = environment
        let id = UUID().uuidString
        let out = directory.appendingPathComponent("out-\(id).txt")
        let err = directory.appendingPathComponent("err-\(id).txt")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        process.standardOutput = try terminal?.terminal ?? FileHandle(forWritingTo: out)
        process.standardError = try terminal?.terminal ?? FileHandle(forWritingTo: err)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Only the child holds the terminal now: its end is the end of the output.
        try terminal?.terminal.close()
        return Run(process: process, stdoutFile: out, stderrFile: err)
    }

    /// Runs `sweep ARGS` to completion (at most `timeout` seconds).
    @discardableResult
    func run(_ arguments: [String], timeout: Double = 120) throws -> Run {
        let run = try start(arguments)
        run.wait(timeout: timeout)
        return run
    }

    /// Processes (other than the test) whose environment carries this sandbox's tag.
    func leftoverProcesses() -> [Int32] {
        let own = ProcessInfo.processInfo.processIdentifier
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard pid != own, let data = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { return false }
            return data.split(separator: 0).contains { String(decoding: $0, as: UTF8.self) == "SWEEP_TEST_TAG=" + tag }
        }
    }

    /// Waits until no tagged process is left; returns the ones still there after `timeout`
    /// (a hang guard: process teardown on a busy machine takes its time).
    func waitForNoLeftovers(timeout: Double = 30) -> [Int32] {
        let deadline = Date(timeIntervalSinceNow: timeout)
        while Date() < deadline {
            let left = leftoverProcesses()
            if left.isEmpty { return [] }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return leftoverProcesses()
    }

    /// Polls `condition` every 50 ms for up to `timeout` seconds.
    func waitUntil(timeout: Double, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout)
        while Date() < deadline {
            if try condition() { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return try condition()
    }
}

/// A started `sweep` process.
struct Run {
    let process: Process
    let stdoutFile: URL
    let stderrFile: URL

    func wait(timeout: Double) {
        let deadline = Date(timeIntervalSinceNow: timeout)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning {
            Issue.record("sweep \(process.arguments ?? []) did not finish in \(timeout) s")
            kill(process.processIdentifier, SIGKILL)
        }
        process.waitUntilExit()
    }

    var status: Int32 { process.terminationStatus }
    var stdout: String { (try? String(contentsOf: stdoutFile, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOf: stderrFile, encoding: .utf8)) ?? "" }
}
