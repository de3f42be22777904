#if canImport(Glibc)
import Glibc
#endif
import Foundation
import SweepCore
import SweepRuntime
import SweepWire

/// The headless worker (`sweep worker`): speaks the wire protocol on stdin/stdout, runs
/// each job in a job-runner child process, up to `slots` at once.
///
/// One loop, on the thread that calls `serve()`, owns every runner and the queue. Reader
/// threads (stdin, and each runner's stdout and stderr) only post events to its
/// `LoopQueue`; heartbeats and job timeouts are timers on an injected `LoopClock`.
/// `serve()` returns when its input closes (the coordinator or the SSH channel is gone)
/// or a drain completes, after killing its runners' process groups, so no orphan keeps
/// burning a host. The caller exits.
///
/// `serve()` is `start()`, then `runPending()` after each wait until `isFinished`, then
/// `finish()`; tests call these themselves with a `ManualClock`, as the coordinator's do.
public final class Worker {
    /// How to start a job runner and how often to say the worker is alive.
    public struct Options: Sendable {
        public var slots: Int
        public var heartbeatInterval: Double
        /// The runner command: this binary and `job --stdio`.
        public var runnerExecutable: String
        public var runnerArguments: [String]
        /// How many stderr lines of a job are kept for its failure report.
        public var stderrTailLines: Int = 40
        /// Where runners make their job folders (`JobFolder.base`). Given, the worker removes
        /// the abandoned ones there (a killed runner's) at its start, when a runner dies and
        /// at its end; nil leaves them.
        public var jobFolders: String?
        /// GPUs on this host (0: none). Each runner gets `SWEEP_SLOT` (its slot, 0..<slots) and,
        /// with GPUs, `CUDA_VISIBLE_DEVICES` set to device `slot % gpus`, so concurrent jobs of
        /// one host do not share a device while there are as many devices as slots.
        public var gpus = 0

        public init(slots: Int, heartbeatInterval: Double, runnerExecutable: String, runnerArguments: [String]) {
            self.slots = slots
            self.heartbeatInterval = heartbeatInterval
            self.runnerExecutable = runnerExecutable
            self.runnerArguments = runnerArguments
        }
    }

    /// What the loop reacts to; posted by the reader threads.
    enum Event: Sendable {
        case coordinator(CoordinatorMessage)
        case inputClosed
        /// A runner's `finished` (its other messages are forwarded by its reader thread).
        case runnerMessage(runner: Int, WorkerMessage)
        /// A runner's stderr line and the attempt it belongs to, known when it was read.
        case runnerStderr(runner: Int, attempt: StderrMark.Attempt, line: String)
        case runnerEnded(runner: Int, Termination)
    }

    /// One runner process and the job it is running; touched only by the loop.
    private final class Runner {
        let id: Int
        /// Its slot (0..<slots): free again once the runner is reaped.
        let slot: Int
        let process: ChildProcess
        var job: RunRequest?
        var deadline: Duration?
        /// Why the worker killed it, if it did ("cancelled", "timed out after 30 s").
        var killReason: (status: AttemptStatus, message: String)?
        /// When a stopped job's group gets SIGKILL if SIGTERM did not end it.
        var killAt: Duration?
        var stderrTail: [String] = []

        init(id: Int, slot: Int, process: ChildProcess) {
            self.id = id
            self.slot = slot
            self.process = process
        }
    }

    private let options: Options
    private let info: WorkerInfo
    private let input: Int32
    private let output: LineWriter
    private let clock: any LoopClock
    private let events = LoopQueue<Event>()
    private var runners: [Runner] = []
    private var nextRunnerID = 0
    private var queue: [RunRequest] = []
    private var draining = false
    private var inputClosed = false
    private var nextHeartbeat: Duration = .zero
    /// What runners write on stderr between two jobs (see `StderrMark`).
    private let stderrMark = StderrMark.random()

    /// Speaks the protocol on `input` and `output`. It changes nothing process-wide: the
    /// caller (`sweep worker`) moves stray prints off the protocol's stdout and sets the
    /// runners' `SWIFT_BACKTRACE`.
    /// - Parameters:
    ///   - input: the descriptor coordinator messages arrive on; not closed by the worker.
    ///   - output: where worker messages go.
    public init(options: Options, info: WorkerInfo, input: Int32, output: Descriptor,
                clock: any LoopClock = MonotonicClock()) {
        self.options = options
        self.info = info
        self.clock = clock
        self.input = input
        self.output = LineWriter(output)
    }

    /// Runs the worker until its input closes or a drain completes.
    public func serve() {
        start()
        while !isFinished {
            if let event = events.next(timeout: nextDeadline - clock.now) { handle(event) }
            runPending()
        }
        finish()
    }

    // MARK: Stepping (what `serve()` is made of; tests call these with a manual clock)

    /// Says `ready`, starts reading the input and sets the first heartbeat.
    public func start() {
        if let jobFolders = options.jobFolders { JobFolder.removeAbandoned(in: jobFolders) }
        send(.ready(info))
        let events = events, fd = input
        Thread.detachNewThread {
            let input = LineReader(fileDescriptor: fd)
            while let line = input.readLine() {
                guard !line.isEmpty else { continue }
                do {
                    events.post(.coordinator(try CoordinatorMessage(line: line)))
                } catch {
                    FileHandle.standardError.write(Data("sweep worker: \(error)\n".utf8))
                }
            }
            events.post(.inputClosed)
        }
        nextHeartbeat = clock.now + .seconds(options.heartbeatInterval)
    }

    /// Handles every event already posted and fires the timers due by the clock's `now`.
    /// Never blocks.
    public func runPending() {
        while let event = events.poll() { handle(event) }
        fireTimers()
    }

    /// True once the input closed, or a drain has nothing left to wait for.
    public var isFinished: Bool {
        inputClosed || (draining && queue.isEmpty && runners.allSatisfy { $0.job == nil })
    }

    /// The earliest time a timer is due (the next heartbeat, at the latest).
    public var nextDeadline: Duration {
        runners.reduce(nextHeartbeat) { deadline, runner in
            [runner.deadline, runner.killAt].compactMap { $0 }.reduce(deadline, min)
        }
    }

    private func handle(_ event: Event) {
        switch event {
        case .coordinator(.run(let request)):
            guard !draining else {
                send(.finished(AttemptResult(job: request.job, attempt: request.attempt, status: .cancelled,
                                             error: "not started: the worker was drained")))
                return
            }
            queue.append(request)
            dispatch()
        case .coordinator(.cancel(let job)):
            cancel(job)
        case .coordinator(.stop(let job, let grace)):
            stop(job, grace: grace)
        case .coordinator(.drain):
            draining = true
            // Runs it has not started never will: said so, so the coordinator runs them later.
            for request in queue {
                send(.finished(AttemptResult(job: request.job, attempt: request.attempt, status: .cancelled,
                                             error: "not started: the worker was drained")))
            }
            queue.removeAll()
        case .inputClosed:
            inputClosed = true
        case .runnerMessage(let id, var message):
            if let runner = runner(id), runner.killAt != nil, case .finished(var result) = message {
                // A stopped job that ended by itself: stopped, however it ended; its runner is
                // done with it (and holds the stop flag), so it goes.
                result.status = .cancelled
                result.error = "stopped by the coordinator"
                message = .finished(result)
                runner.killAt = nil
                runner.process.killGroup(SIGKILL)
            }
            send(message)
            if let runner = runner(id) {
                runner.job = nil
                runner.deadline = nil
                dispatch()
            }
        case .runnerStderr(let id, let attempt, let line):
            // A line of an attempt the runner no longer holds came after that attempt's
            // `finished`; the coordinator would drop it, and it is no other job's.
            guard let runner = runner(id), let job = runner.job, job.job == attempt.job, job.attempt == attempt.attempt else { return }
            runner.stderrTail.append(line)
            if runner.stderrTail.count > options.stderrTailLines { runner.stderrTail.removeFirst() }
            send(.log(job: job.job, attempt: job.attempt, line: line))
        case .runnerEnded(let id, let termination):
            guard let runner = runner(id) else { return }
            runners.removeAll { $0 === runner }
            // Before a new runner can take its pid: a folder's owner must be seen gone.
            if let jobFolders = options.jobFolders { JobFolder.removeAbandoned(in: jobFolders) }
            if let job = runner.job { send(.finished(result(of: job, runner: runner, termination: termination))) }
            dispatch()
        }
    }

    private func runner(_ id: Int) -> Runner? { runners.first { $0.id == id } }

    /// The end of a job whose runner died: killed by us (cancel, timeout) or crashed.
    private func result(of job: RunRequest, runner: Runner, termination: Termination) -> AttemptResult {
        let tail = runner.stderrTail.joined(separator: "\n")
        if let reason = runner.killReason {
            return AttemptResult(job: job.job, attempt: job.attempt, status: reason.status, error: reason.message, stderrTail: tail)
        }
        var signal: Int32?
        if case .signaled(let s) = termination { signal = s }
        return AttemptResult(job: job.job, attempt: job.attempt, status: .failed, error: "job process \(termination)",
                             stderrTail: tail, signal: signal)
    }

    /// Heartbeats and timeouts due by the clock.
    private func fireTimers() {
        let now = clock.now
        for runner in runners {
            if let killAt = runner.killAt, now >= killAt {
                runner.killAt = nil
                runner.process.killGroup(SIGKILL)
            }
            if let deadline = runner.deadline, now >= deadline, let job = runner.job {
                kill(runner, status: .failed, message: "timed out after \(job.timeout ?? 0) s")
            }
        }
        if now >= nextHeartbeat {
            send(.heartbeat(running: runners.compactMap { $0.job?.job }))
            nextHeartbeat = now + .seconds(options.heartbeatInterval)
        }
    }

    /// Starts queued jobs on idle runners, starting runners up to `slots`.
    private func dispatch() {
        while !queue.isEmpty, !draining {
            let runner: Runner
            if let idle = runners.first(where: { $0.job == nil && $0.killReason == nil }) {
                runner = idle
            } else if runners.count < options.slots {
                do {
                    runner = try startRunner(first: queue[0])
                } catch {
                    let request = queue.removeFirst()
                    send(.finished(AttemptResult(job: request.job, attempt: request.attempt, status: .failed,
                                                 error: "cannot start a job process: \(error)")))
                    continue
                }
            } else {
                return
            }
            let request = queue.removeFirst()
            runner.job = request
            runner.stderrTail.removeAll()
            runner.deadline = request.timeout.map { clock.now + .seconds($0) }
            runner.process.stdin.write(CoordinatorMessage.run(request).line)
        }
    }

    private func cancel(_ job: Int64) {
        if let index = queue.firstIndex(where: { $0.job == job }) {
            let request = queue.remove(at: index)
            send(.finished(AttemptResult(job: job, attempt: request.attempt, status: .cancelled, error: "cancelled before it started")))
        } else if let runner = runners.first(where: { $0.job?.job == job }) {
            kill(runner, status: .cancelled, message: "cancelled by the coordinator")
        }
    }

    /// Ends a job early: SIGTERM to its group, so the program can save what it wants, then
    /// SIGKILL after `grace` seconds if it is still there.
    private func stop(_ job: Int64, grace: Double) {
        if let index = queue.firstIndex(where: { $0.job == job }) {
            let request = queue.remove(at: index)
            send(.finished(AttemptResult(job: job, attempt: request.attempt, status: .cancelled, error: "stopped before it started")))
        } else if let runner = runners.first(where: { $0.job?.job == job }), runner.killReason == nil {
            runner.killReason = (.cancelled, "stopped by the coordinator")
            runner.deadline = nil
            runner.killAt = clock.now + .milliseconds(Int64((grace * 1000).rounded()))
            runner.process.killGroup(SIGTERM)
        }
    }

    /// Kills a runner (and so its job); its `.runnerEnded` event reports the job's end.
    private func kill(_ runner: Runner, status: AttemptStatus, message: String) {
        guard runner.killReason == nil else { return }
        runner.killReason = (status, message)
        runner.process.killGroup(SIGKILL)
    }

    /// Starts a runner process, about to run `first`, in the lowest free slot, and its two
    /// reader threads.
    private func startRunner(first: RunRequest) throws -> Runner {
        let mark = stderrMark
        let taken = Set(runners.map(\.slot))
        let slot = (0..<options.slots).first { !taken.contains($0) } ?? runners.count
        let environment = Self.runnerEnvironment(slot: slot, gpus: options.gpus)
            .filter { !$0.hasPrefix(StderrMark.environmentName + "=") } + ["\(StderrMark.environmentName)=\(mark.token)"]
        let process = try ChildProcess.spawn(executable: options.runnerExecutable, arguments: options.runnerArguments,
                                             environment: environment)
        let id = nextRunnerID
        nextRunnerID += 1
        let runner = Runner(id: id, slot: slot, process: process)
        runners.append(runner)
        let events = events, output = output
        let stderrDone = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            // Lines before the first mark (the runner starting up) are its first job's.
            var attempt = StderrMark.Attempt(job: first.job, attempt: first.attempt)
            process.forEachLine(of: .stderr) { line in
                if let next = mark.attempt(in: line) {
                    attempt = next
                } else {
                    events.post(.runnerStderr(runner: id, attempt: attempt, line: line))
                }
            }
            stderrDone.signal()
        }
        Thread.detachNewThread {
            process.forEachLine(of: .stdout) { line in
                guard !line.isEmpty else { return }
                guard let message = try? WorkerMessage(line: line) else {
                    FileHandle.standardError.write(Data("sweep worker: bad line from job process: \(line)\n".utf8))
                    return
                }
                // Only `finished` changes the loop's state; metrics and logs go straight out
                // (the writer serialises lines), which keeps a thread hop off every epoch.
                if case .finished = message {
                    events.post(.runnerMessage(runner: id, message))
                } else {
                    output.write(message.line)
                }
            }
            // The runner is gone: make sure its group is too, then reap it.
            process.killGroup(SIGKILL)
            stderrDone.wait()
            events.post(.runnerEnded(runner: id, process.wait()))
        }
        return runner
    }

    /// This process's environment with the slot's variables: `SWEEP_SLOT`, and with GPUs
    /// `CUDA_VISIBLE_DEVICES` (replacing any inherited value, which would give every slot
    /// the same devices).
    static func runnerEnvironment(slot: Int, gpus: Int) -> [String] {
        var variables = ProcessInfo.processInfo.environment
        variables["SWEEP_SLOT"] = String(slot)
        if gpus > 0 { variables["CUDA_VISIBLE_DEVICES"] = String(slot % gpus) }
        return variables.map { "\($0.key)=\($0.value)" }.sorted()
    }

    /// Kills every runner's process group and waits (briefly) until each is reaped.
    public func finish() {
        for runner in runners { runner.process.killGroup(SIGKILL) }
        let limit = clock.now + .seconds(2)
        while !runners.isEmpty, clock.now < limit {
            guard let event = events.next(timeout: limit - clock.now) else { break }
            if case .runnerEnded(let id, _) = event { runners.removeAll { $0.id == id } }
        }
        if let jobFolders = options.jobFolders { JobFolder.removeAbandoned(in: jobFolders) }
    }

    private func send(_ message: WorkerMessage) {
        output.write(message.line)
    }
}
