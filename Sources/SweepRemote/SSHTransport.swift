import Foundation
import Synchronization
import SweepTransport
import SweepCore
import SweepSSH
import SweepWire

/// A worker host over SSH: one session, one long-lived exec channel running
/// `sweep worker`, JSON lines both ways. Job configs travel inside the channel.
///
/// `start` returns at once; connecting, shipping the binary and starting the worker run in
/// a task, and any failure arrives as a `.closed` event, so a slow or dead host never
/// blocks the coordinator's loop. Before a job's `run` is forwarded, the data files it
/// needs are copied to the host if it lacks them (lab machines often have no internet).
///
/// `send` only queues: the connection's task writes, so a host that stops reading never
/// blocks the loop. At most `queuedMessages` wait; one more ends the connection as lost,
/// saying the worker stopped reading.
public final class SSHTransport: WorkerTransport, Sendable {
    public let hostName: String
    public let slots: Int
    public var placementKind: String { SSHSettings.name }
    private let host: HostFile
    private let binary: (path: String, hash: String)
    private let dataFiles: @Sendable (RunRequest) -> [DataFile]
    /// The command the exec channel runs, given the binary's path on the host.
    let command: @Sendable (String) -> String
    private let stderrLine: @Sendable (String) -> Void
    private let failure: @Sendable (String) -> HostFailure
    private let explain: @Sendable (String) -> String
    /// The current connection's outgoing messages, task, and why it was ended for not reading.
    private let connection = Mutex<(outgoing: AsyncStream<CoordinatorMessage>.Continuation?, task: Task<Void, Never>?,
                                    overflow: OverflowNote?)>((nil, nil, nil))
    /// The most messages a connection may have waiting to be written.
    private let queuedMessages: Int
    /// `queuedMessages` by default: thousands of `run`s, far more than any worker is sent at once.
    public static let defaultQueuedMessages = 4096
    /// Every connection started and not yet over (its session closed), current or lost.
    private let live = DispatchGroup()

    /// - Parameters:
    ///   - binary: this coordinator's executable and its SHA-256, shipped to the host.
    ///   - dataFiles: the files a job needs on the host (see `Workload.dataFiles(for:)`).
    ///   - hostName: the name in the store, if not the host file's (a Slurm cluster's worker).
    ///   - command: what the exec channel runs, given the binary's path there (a launcher such
    ///     as `srun` that ends up running `sweep worker`); by default the worker itself.
    ///   - stderrLine: called with each line the channel writes to stderr.
    ///   - failure: whether an end that SSH itself does not call permanent can heal, from its reason.
    ///   - explain: the reason in the launcher's words, when it knows better (see SlurmTransport).
    public init(host: HostFile, binary: (path: String, hash: String), heartbeat: Double = 2,
                dataFiles: @escaping @Sendable (RunRequest) -> [DataFile] = { _ in [] },
                hostName: String? = nil, command: (@Sendable (String) -> String)? = nil,
                stderrLine: @escaping @Sendable (String) -> Void = { _ in },
                failure: @escaping @Sendable (String) -> HostFailure = { _ in .transient },
                explain: @escaping @Sendable (String) -> String = { $0 },
                queuedMessages: Int = SSHTransport.defaultQueuedMessages) {
        self.queuedMessages = queuedMessages
        self.host = host
        self.hostName = hostName ?? host.name
        slots = host.slots
        self.binary = binary
        self.dataFiles = dataFiles
        let slots = host.slots, gpus = host.gpus > 0 ? " --gpus \(host.gpus)" : ""
        self.command = command ?? { "exec \($0) worker --slots \(slots) --heartbeat \(heartbeat)\(gpus)" }
        self.stderrLine = stderrLine
        self.failure = failure
        self.explain = explain
    }

    public func start(events: EventQueue) throws {
        let (messages, continuation) = AsyncStream<CoordinatorMessage>.makeStream(bufferingPolicy: .bufferingOldest(queuedMessages))
        let overflow = OverflowNote()
        let host = host, binary = binary, name = hostName, dataFiles = dataFiles, command = command, stderrLine = stderrLine,
            failure = failure, explain = explain, live = live
        live.enter()
        let task = Task {
            let (reason, permanent) = await Self.serve(host: host, name: name, binary: binary, command: command,
                                                       stderrLine: stderrLine, dataFiles: dataFiles, messages: messages,
                                                       events: events)
            if let stopped = overflow.text {
                events.post(.closed(host: name, reason: "remote worker \(stopped)", failure: .transient))
            } else {
                let said = explain(reason)
                events.post(.closed(host: name, reason: said, failure: permanent ? .permanent : failure(said)))
            }
            live.leave()
        }
        connection.withLock { $0 = (continuation, task, overflow) }
    }

    /// Queues `message` for the connection's task; false if there is no connection. One past
    /// `queuedMessages` ends the connection, whose `.closed` says the worker stopped reading.
    public func send(_ message: CoordinatorMessage) -> Bool {
        let limit = queuedMessages
        return connection.withLock {
            guard let outgoing = $0.outgoing else { return false }
            switch outgoing.yield(message) {
            case .terminated:
                return false
            case .dropped:
                $0.overflow?.set("stopped reading its input: more than \(limit) messages waited to be sent to it; ended as lost")
                outgoing.finish()
                $0.outgoing = nil
                $0.task?.cancel()
                return true
            case .enqueued:
                return true
            @unknown default:
                return true
            }
        }
    }

    public func close() {
        connection.withLock {
            $0.outgoing?.finish()
            $0.outgoing = nil
            $0.task?.cancel()
        }
    }

    /// The session is torn down with the task; a remote worker whose channel is gone
    /// sees end of input and exits.
    public func abort() {
        close()
    }

    /// Waits until every connection's session is closed, or `deadline`. libssh runs on the
    /// sessions' own threads: a process that exits while one is still closing a channel or
    /// disconnecting has `exit` free OpenSSL's global state under it (`OPENSSL_cleanup`), and
    /// that thread crashes with SIGSEGV in `RAND_bytes`.
    public func waitUntilClosed(deadline: ContinuousClock.Instant) {
        let (seconds, attoseconds) = ContinuousClock.now.duration(to: deadline).components
        _ = live.wait(timeout: .now() + max(0, Double(seconds) + Double(attoseconds) / 1e18))
    }

    /// Runs one connection to its end; returns why it ended, and whether retrying cannot help
    /// (a refused login or host key, a binary that cannot run there: see `RemoteHost.isPermanent`).
    private static func serve(host: HostFile, name: String, binary: (path: String, hash: String),
                              command: @escaping @Sendable (String) -> String,
                              stderrLine: @escaping @Sendable (String) -> Void, dataFiles: @escaping @Sendable (RunRequest) -> [DataFile],
                              messages: AsyncStream<CoordinatorMessage>, events: EventQueue) async -> (String, Bool) {
        func failure(_ error: any Error) -> (String, Bool) {
            (RemoteHost.explain(error, acceptNew: "sweep hosts check \(host.name) --accept-new"), RemoteHost.isPermanent(error))
        }
        let session: SSHSession
        do {
            session = try await SSHSession.connect(to: RemoteHost.target(host))
        } catch {
            return failure(error)
        }
        let outcome: (String, Bool)
        do {
            let path = try await RemoteHost.ensureBinary(on: session, name: host.name, localPath: binary.path, hash: binary.hash)
            let channel = try await session.openExec(command(path))
            outcome = await withTaskGroup(of: (String, Bool)?.self) { group in
                group.addTask {
                    do {
                        var shipped = Set<String>()
                        for await message in messages {
                            if case .run(let request) = message {
                                for file in dataFiles(request) where !shipped.contains(file.remotePath) {
                                    try await RemoteHost.ensure(file, on: session, name: host.name)
                                    shipped.insert(file.remotePath)
                                }
                            }
                            try await channel.write(message.line)
                        }
                        // The coordinator is done: end of input makes the worker kill its jobs and exit.
                        try await channel.closeInput()
                        return nil
                    } catch {
                        return failure(error)
                    }
                }
                group.addTask { (await readWorker(channel, host: name, events: events, stderrLine: stderrLine), false) }
                var reason = ("closed", false)
                for await result in group {
                    if let result {
                        reason = result
                        break
                    }
                }
                group.cancelAll()
                await channel.close()
                return reason
            }
        } catch {
            outcome = failure(error)
        }
        // Closed before the connection counts as over (`.closed`, `waitUntilClosed`), not in a
        // task of its own that the process's exit could overtake.
        await session.close()
        return outcome
    }

    /// Turns the channel's stdout into messages until it ends; returns why it ended.
    private static func readWorker(_ channel: SSHExecChannel, host: String, events: EventQueue,
                                   stderrLine: @Sendable (String) -> Void) async -> String {
        var pending: [UInt8] = []
        var stderrTail: [String] = []
        do {
            for try await event in channel.events {
                switch event {
                case .stdout(let bytes):
                    pending += bytes
                    while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                        let line = String(decoding: pending[..<newline], as: UTF8.self)
                        pending.removeSubrange(...newline)
                        guard !line.isEmpty else { continue }
                        do {
                            events.post(.message(host: host, try WorkerMessage(line: line)))
                        } catch {
                            stderrTail.append("\(error)")
                        }
                    }
                case .stderr(let bytes):
                    let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init)
                    lines.forEach(stderrLine)
                    stderrTail += lines
                    if stderrTail.count > 10 { stderrTail.removeFirst(stderrTail.count - 10) }
                case .exit(let status, let signal):
                    let tail = stderrTail.joined(separator: "\n")
                    let how = signal.map { "was killed by SIG\($0)" } ?? "exited with status \(status)"
                    return "remote worker \(how)" + (tail.isEmpty ? "" : ": " + tail)
                }
            }
            return "the worker channel closed"
        } catch {
            return "\(error)"
        }
    }
}

/// Why a connection was ended for not reading, once it was (set once, read by its task).
final class OverflowNote: Sendable {
    private let note = Mutex<String?>(nil)

    var text: String? { note.withLock { $0 } }

    func set(_ text: String) {
        note.withLock { if $0 == nil { $0 = text } }
    }
}
