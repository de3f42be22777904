#if canImport(Glibc)
import Glibc
#endif
import Foundation
import SweepCore
import SweepWire

/// The headless worker (`sweep worker`): speaks the wire protocol on stdin/stdout, runs
/// each job in a job-runner child process, up to `slots` at once.
///
/// It exits when its standard input closes (the coordinator or the SSH channel is gone)
/// and kills its runners' process groups first, so no orphan keeps burning a host.
public final class Worker: @unchecked Sendable {
    // @unchecked: mutable state (`runners`, `queue`, `draining`) is only touched under `lock`.

    /// How to start a job runner and how often to say the worker is alive.
    public struct Options: Sendable {
        public var slots: Int
        public var heartbeatInterval: Double
        /// The runner command: this binary and `job --stdio`.
        public var runnerExecutable: String
        public var runnerArguments: [String]
        /// How many stderr lines of a job are kept for its failure report.
        public var stderrTailLines: Int = 40

        public init(slots: Int, heartbeatInterval: Double, runnerExecutable: String, runnerArguments: [String]) {
            self.slots = slots
            self.heartbeatInterval = heartbeatInterval
            self.runnerExecutable = runnerExecutable
            self.runnerArguments = runnerArguments
        }
    }

    /// One runner process and the job it is running.
    private final class Runner: @unchecked Sendable {
        // @unchecked: `process` and `stderrDone` are thread-safe; the rest is only
        // touched under the worker's `lock`.
        let process: ChildProcess
        var job: RunRequest?
        var deadline: Double?
        /// Why the worker killed it, if it did ("cancelled", "timed out after 30 s").
        var killReason: (status: AttemptStatus, message: String)?
        var stderrTail: [String] = []
        let stderrDone = DispatchSemaphore(value: 0)

        init(process: ChildProcess) { self.process = process }
    }

    private let options: Options
    private let info: WorkerInfo
    private let output: LineWriter
    private let lock = Lock()
    private var runners: [Runner] = []
    private var queue: [RunRequest] = []
    private var draining = false

    /// Takes over this process's stdout for the protocol (stray prints go to stderr).
    public init(options: Options, info: WorkerInfo) {
        self.options = options
        self.info = info
        let protocolFD = dup(1)
        dup2(2, 1)
        output = LineWriter(fileDescriptor: protocolFD)
    }

    /// Runs the worker until its input closes or a drain completes; never returns.
    public func serve() -> Never {
        signal(SIGPIPE, SIG_IGN)
        // A crashing job's backtrace goes into its stderr tail: keep it to the crashed
        // thread's frames, without register and image dumps (unless the user chose).
        setenv("SWIFT_BACKTRACE", "interactive=no,color=no,threads=crashed,registers=none,images=none,limit=24", 0)
        output.write(WorkerMessage.ready(info).line)
        Thread.detachNewThread { [self] in tick() }
        let input = LineReader(fileDescriptor: 0)
        while let line = input.readLine() {
            guard !line.isEmpty else { continue }
            do {
                switch try CoordinatorMessage(line: line) {
                case .run(let request): lock.withLock { queue.append(request); dispatch() }
                case .cancel(let job): cancel(job)
                case .drain: lock.withLock { draining = true; exitIfDrained() }
                }
            } catch {
                FileHandle.standardError.write(Data("sweep worker: \(error)\n".utf8))
            }
        }
        shutDown()
    }

    /// Kills every runner's process group and exits.
    private func shutDown() -> Never {
        lock.withLock { for runner in runners { runner.process.killGroup(SIGKILL) } }
        exit(0)
    }

    /// Starts queued jobs on idle runners, starting runners up to `slots`. Holds `lock`.
    private func dispatch() {
        while !queue.isEmpty, !draining {
            let runner: Runner
            if let idle = runners.first(where: { $0.job == nil && $0.killReason == nil }) {
                runner = idle
            } else if runners.count < options.slots {
                do {
                    runner = Runner(process: try ChildProcess.spawn(
                        executable: options.runnerExecutable, arguments: options.runnerArguments))
                } catch {
                    let request = queue.removeFirst()
                    send(.finished(AttemptResult(job: request.job, attempt: request.attempt, status: .failed,
                                                 error: "cannot start a job process: \(error)")))
                    continue
                }
                runners.append(runner)
                watch(runner)
            } else {
                return
            }
            let request = queue.removeFirst()
            runner.job = request
            runner.stderrTail.removeAll()
            runner.deadline = request.timeout.map { now() + $0 }
            runner.process.stdin.write(CoordinatorMessage.run(request).line)
        }
    }

    private func cancel(_ job: Int64) {
        lock.withLock {
            if let index = queue.firstIndex(where: { $0.job == job }) {
                let request = queue.remove(at: index)
                send(.finished(AttemptResult(job: job, attempt: request.attempt, status: .cancelled, error: "cancelled before it started")))
            } else if let runner = runners.first(where: { $0.job?.job == job }) {
                kill(runner, status: .cancelled, message: "cancelled by the coordinator")
            }
        }
    }

    /// Kills a runner (and so its job); its reader thread reports the job's end. Holds `lock`.
    private func kill(_ runner: Runner, status: AttemptStatus, message: String) {
        guard runner.killReason == nil else { return }
        runner.killReason = (status, message)
        runner.process.killGroup(SIGKILL)
    }

    /// Reader threads for a runner's stdout (protocol) and stderr (the job's own output).
    private func watch(_ runner: Runner) {
        Thread.detachNewThread { [self] in
            let errors = LineReader(fileDescriptor: runner.process.stderrFD)
            while let line = errors.readLine() {
                lock.withLock {
                    runner.stderrTail.append(line)
                    if runner.stderrTail.count > options.stderrTailLines { runner.stderrTail.removeFirst() }
                    if let job = runner.job { send(.log(job: job.job, attempt: job.attempt, line: line)) }
                }
            }
            runner.stderrDone.signal()
        }
        Thread.detachNewThread { [self] in
            let messages = LineReader(fileDescriptor: runner.process.stdoutFD)
            while let line = messages.readLine() {
                guard !line.isEmpty else { continue }
                guard let message = try? WorkerMessage(line: line) else {
                    FileHandle.standardError.write(Data("sweep worker: bad line from job process: \(line)\n".utf8))
                    continue
                }
                lock.withLock {
                    send(message)
                    if case .finished = message {
                        runner.job = nil
                        runner.deadline = nil
                        dispatch()
                        exitIfDrained()
                    }
                }
            }
            // The runner is gone: make sure its group is too, then report its job.
            runner.process.killGroup(SIGKILL)
            runner.stderrDone.wait()
            let termination = runner.process.wait()
            lock.withLock {
                runners.removeAll { $0 === runner }
                if let job = runner.job {
                    let tail = runner.stderrTail.joined(separator: "\n")
                    let result: AttemptResult
                    if let reason = runner.killReason {
                        result = AttemptResult(job: job.job, attempt: job.attempt, status: reason.status,
                                               error: reason.message, stderrTail: tail)
                    } else {
                        var signal: Int32?
                        if case .signaled(let s) = termination { signal = s }
                        result = AttemptResult(job: job.job, attempt: job.attempt, status: .failed,
                                               error: "job process \(termination)", stderrTail: tail, signal: signal)
                    }
                    send(.finished(result))
                }
                dispatch()
                exitIfDrained()
            }
        }
    }

    /// Heartbeats and timeouts.
    private func tick() {
        while true {
            Thread.sleep(forTimeInterval: options.heartbeatInterval)
            lock.withLock {
                let time = now()
                for runner in runners {
                    if let deadline = runner.deadline, time > deadline, let job = runner.job {
                        kill(runner, status: .failed, message: "timed out after \(job.timeout ?? 0) s")
                    }
                }
                send(.heartbeat(running: runners.compactMap { $0.job?.job }))
            }
        }
    }

    /// Exits once a drain has nothing left to wait for. Holds `lock`.
    private func exitIfDrained() {
        guard draining, queue.isEmpty, runners.allSatisfy({ $0.job == nil }) else { return }
        for runner in runners { runner.process.killGroup(SIGKILL) }
        exit(0)
    }

    private func send(_ message: WorkerMessage) {
        output.write(message.line)
    }

    private func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
