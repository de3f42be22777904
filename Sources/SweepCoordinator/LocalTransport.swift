#if canImport(Glibc)
import Glibc
#endif
import Foundation
import SweepWire

/// The embedded local worker: `sweep worker` as a child process, spoken to through pipes.
public final class LocalTransport: WorkerTransport, @unchecked Sendable {
    // @unchecked: `process` is set once in `start` before any reader thread exists and
    // only read afterwards.
    public let hostName = "local"
    public let slots: Int
    private let executable: String
    private let arguments: [String]
    private var process: ChildProcess?

    /// - Parameters:
    ///   - executable: the `sweep` binary to run as the worker (usually this one).
    ///   - slots: jobs to run at once.
    ///   - heartbeat: seconds between the worker's heartbeats.
    public init(executable: String, slots: Int, heartbeat: Double = 2) {
        self.executable = executable
        self.slots = slots
        arguments = ["worker", "--slots", String(slots), "--heartbeat", String(heartbeat)]
    }

    public func start(events: EventQueue) throws {
        let process = try ChildProcess.spawn(executable: executable, arguments: arguments)
        self.process = process
        let host = hostName
        let stderrTail = StderrTail()
        let stderrDone = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            let reader = LineReader(fileDescriptor: process.stderrFD)
            while let line = reader.readLine() { stderrTail.append(line) }
            stderrDone.signal()
        }
        Thread.detachNewThread {
            let reader = LineReader(fileDescriptor: process.stdoutFD)
            while let line = reader.readLine() {
                guard !line.isEmpty else { continue }
                do {
                    events.post(.message(host: host, try WorkerMessage(line: line)))
                } catch {
                    stderrTail.append("\(error)")
                }
            }
            process.killGroup(SIGKILL)
            stderrDone.wait()
            let termination = process.wait()
            let tail = stderrTail.text
            events.post(.closed(host: host, reason: "local worker \(termination)" + (tail.isEmpty ? "" : ": " + tail)))
        }
    }

    public func send(_ message: CoordinatorMessage) -> Bool {
        process?.stdin.write(message.line) ?? false
    }

    public func close() {
        process?.closeStdin()
    }

    public func abort() {
        process?.killGroup(SIGKILL)
    }
}

/// The last few lines a worker wrote to stderr, for the message when it dies.
final class StderrTail: @unchecked Sendable {
    // @unchecked: `lines` is only touched under `lock`.
    private let lock = Lock()
    private var lines: [String] = []

    func append(_ line: String) {
        lock.withLock {
            lines.append(line)
            if lines.count > 10 { lines.removeFirst() }
        }
    }

    var text: String { lock.withLock { lines.joined(separator: "\n") } }
}
