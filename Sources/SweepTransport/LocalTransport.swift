#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization
import SweepRuntime
import SweepWire

/// The embedded local worker: `sweep worker` as a child process, spoken to through pipes.
///
/// Two reader threads per connection (stdout: messages, stderr: the tail kept for the
/// closing reason) post to the coordinator's queue; the stdout reader reaps the child and
/// posts `.closed`. The coordinator's loop only writes to stdin.
///
/// The worker may also be started through a launcher on this machine (`srun ... sweep worker`,
/// see SlurmTransport): `executable` and `arguments` are then the launcher's, and
/// `stderrLine` sees what the launcher says before the worker runs.
public final class LocalTransport: WorkerTransport, Sendable {
    public let hostName: String
    public let slots: Int
    private let executable: String
    private let arguments: [String]
    private let stderrLine: @Sendable (String) -> Void
    private let failure: @Sendable (String) -> HostFailure
    private let explain: @Sendable (String) -> String
    /// The current connection's process; replaced on reconnect.
    private let process = Mutex<ChildProcess?>(nil)

    /// - Parameters:
    ///   - executable: the `sweep` binary to run as the worker (usually this one).
    ///   - slots: jobs to run at once.
    ///   - heartbeat: seconds between the worker's heartbeats.
    ///   - gpus: GPUs of this machine the jobs share, one device per slot round-robin (0: none).
    public convenience init(executable: String, slots: Int, heartbeat: Double = 2, gpus: Int = 0) {
        self.init(hostName: "local", executable: executable,
                  arguments: ["worker", "--slots", String(slots), "--heartbeat", String(heartbeat)] + (gpus > 0 ? ["--gpus", String(gpus)] : []),
                  slots: slots)
    }

    /// A worker started by `executable arguments` (which must end up running `sweep worker`
    /// on its stdin and stdout).
    /// - Parameters:
    ///   - stderrLine: called with each line of the process's stderr, on a reader thread.
    ///   - failure: whether the connection's end (its reason, with the stderr tail) can heal.
    ///   - explain: the reason in the launcher's words, when it knows better (see SlurmTransport).
    public init(hostName: String, executable: String, arguments: [String], slots: Int,
                stderrLine: @escaping @Sendable (String) -> Void = { _ in },
                failure: @escaping @Sendable (String) -> HostFailure = { _ in .transient },
                explain: @escaping @Sendable (String) -> String = { $0 }) {
        self.hostName = hostName
        self.executable = executable
        self.arguments = arguments
        self.slots = slots
        self.stderrLine = stderrLine
        self.failure = failure
        self.explain = explain
    }

    public func start(events: EventQueue) throws {
        let child = try ChildProcess.spawn(executable: executable, arguments: arguments)
        process.withLock { $0 = child }
        let host = hostName, stderrLine = stderrLine, failure = failure, explain = explain
        let stderrTail = StderrTail()
        let stderrDone = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            child.forEachLine(of: .stderr) {
                stderrTail.append($0)
                stderrLine($0)
            }
            stderrDone.signal()
        }
        Thread.detachNewThread {
            child.forEachLine(of: .stdout) { line in
                guard !line.isEmpty else { return }
                do {
                    events.post(.message(host: host, try WorkerMessage(line: line)))
                } catch {
                    stderrTail.append("\(error)")
                }
            }
            child.killGroup(SIGKILL)
            stderrDone.wait()
            let termination = child.wait()
            let tail = stderrTail.text
            let reason = explain("\(host == "local" ? "local worker" : host) \(termination)" + (tail.isEmpty ? "" : ": " + tail))
            events.post(.closed(host: host, reason: reason, failure: failure(reason)))
        }
    }

    public func send(_ message: CoordinatorMessage) -> Bool {
        process.withLock { $0?.stdin.write(message.line) } ?? false
    }

    public func close() {
        process.withLock { $0?.closeStdin() }
    }

    public func abort() {
        process.withLock { $0?.killGroup(SIGKILL) }
    }
}

/// The last few lines a worker wrote to stderr, for the message when it dies.
final class StderrTail: Sendable {
    private let lines = Mutex<[String]>([])

    func append(_ line: String) {
        lines.withLock { lines in
            lines.append(line)
            if lines.count > 10 { lines.removeFirst() }
        }
    }

    var text: String { lines.withLock { $0.joined(separator: "\n") } }
}
