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
/// posts `.closed`. The coordinator's loop only queues lines for stdin (`WorkerInput`), which
/// a writer thread of the connection writes, so a worker that stops reading never blocks
/// the loop: past `inputLimit` bytes waiting, the connection is ended as lost, saying so.
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
    /// The current connection's process and its stdin's queue; replaced on reconnect.
    private let connection = Mutex<(process: ChildProcess, input: WorkerInput)?>(nil)
    /// The most bytes of messages a connection may have waiting to be written.
    private let inputLimit: Int
    /// `inputLimit` by default: thousands of `run`s, far more than any worker is sent at once.
    public static let defaultInputLimit = 8 << 20

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
    ///   - inputLimit: the most bytes of messages waiting to be written before the worker is
    ///     taken for lost (it stopped reading its stdin).
    public init(hostName: String, executable: String, arguments: [String], slots: Int,
                stderrLine: @escaping @Sendable (String) -> Void = { _ in },
                failure: @escaping @Sendable (String) -> HostFailure = { _ in .transient },
                explain: @escaping @Sendable (String) -> String = { $0 },
                inputLimit: Int = LocalTransport.defaultInputLimit) {
        self.hostName = hostName
        self.inputLimit = inputLimit
        self.executable = executable
        self.arguments = arguments
        self.slots = slots
        self.stderrLine = stderrLine
        self.failure = failure
        self.explain = explain
    }

    public func start(events: EventQueue) throws {
        let child = try ChildProcess.spawn(executable: executable, arguments: arguments)
        let input = WorkerInput(child: child, limit: inputLimit)
        connection.withLock { $0 = (child, input) }
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
            input.finish()
            stderrDone.wait()
            let termination = child.wait()
            let tail = stderrTail.text
            let worker = host == "local" ? "local worker" : host
            let reason = input.overflow.map { "\(worker) \($0)" }
                ?? explain("\(worker) \(termination)" + (tail.isEmpty ? "" : ": " + tail))
            events.post(.closed(host: host, reason: reason, failure: failure(reason)))
        }
    }

    /// Queues the line for the connection's writer thread; false if there is no connection. A
    /// worker past `inputLimit` is killed and its `.closed` says it stopped reading.
    public func send(_ message: CoordinatorMessage) -> Bool {
        guard let (child, input) = connection.withLock({ $0 }) else { return false }
        if !input.append(message.line) { child.killGroup(SIGKILL) }
        return true
    }

    /// End of input, after the lines already queued.
    public func close() {
        connection.withLock { $0?.input.finish() }
    }

    public func abort() {
        connection.withLock { $0?.process.killGroup(SIGKILL) }
    }
}

/// One connection's stdin: lines the loop queued, written in order by a thread of the
/// connection's own, which alone may block on a full pipe. Bounded: a line that would take the
/// bytes waiting past `limit` is refused and the connection is to be ended (`overflow` says why).
final class WorkerInput: Sendable {
    private enum Item: Sendable {
        case line(String)
        case end
    }

    private let items = LoopQueue<Item>()
    private let state = Mutex<(waiting: Int, overflow: String?, finished: Bool)>((0, nil, false))
    private let limit: Int

    init(child: ChildProcess, limit: Int) {
        self.limit = limit
        Thread.detachNewThread { [self] in write(to: child) }
    }

    /// The writer thread: the queued lines in order, then end of input.
    private func write(to child: ChildProcess) {
        while let item = items.next(timeout: nil) {
            guard case .line(let line) = item else { break }
            // A dead worker's pipe fails at once (EPIPE); the stdout reader reports its end.
            child.stdin.write(line)
            state.withLock { $0.waiting -= line.utf8.count }
        }
        child.closeStdin()
    }

    /// Why the connection was ended for not reading, if it was.
    var overflow: String? { state.withLock { $0.overflow } }

    /// Queues `line`; false (and nothing queued) once the bytes waiting would pass the limit.
    /// After `finish` the line is dropped, as the connection is ending.
    func append(_ line: String) -> Bool {
        let bytes = line.utf8.count
        let (post, accepted) = state.withLock { state -> (Bool, Bool) in
            if state.finished { return (false, true) }
            if state.overflow == nil, state.waiting + bytes <= limit {
                state.waiting += bytes
                return (true, true)
            }
            if state.overflow == nil {
                state.overflow = "stopped reading its input: more than \(limit) bytes of messages waited to be written to it; ended as lost"
            }
            return (false, false)
        }
        if post { items.post(.line(line)) }
        return accepted
    }

    /// No more lines: the writer closes stdin after those queued and ends. Once only.
    func finish() {
        let first = state.withLock { state -> Bool in
            defer { state.finished = true }
            return !state.finished
        }
        if first { items.post(.end) }
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
