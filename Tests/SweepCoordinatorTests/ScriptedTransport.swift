import SweepCoordinator
import SweepCore
import Synchronization
import SweepTransport
import SweepWire

/// An in-memory worker host, scripted by the test (SwiftNIO's `EmbeddedChannel` is the
/// model): it records what the coordinator sends and posts what the test says the worker
/// answered, on the coordinator's own queue.
final class ScriptedTransport: WorkerTransport, Sendable {
    private struct State {
        var events: EventQueue?
        var sent: [CoordinatorMessage] = []
        var starts = 0
        var closes = 0
        var aborts = 0
        var refuseStart: String?
        var connected = false
        /// Attempts the script has ended (`finished` said): no longer the worker's to list.
        var answered: Set<String> = []
    }

    struct StartRefused: Error, CustomStringConvertible {
        var description: String
    }

    let hostName: String
    let slots: Int
    /// As a Slurm worker's: how long it may wait (in the queue) before its `ready`.
    let readyLimit: Duration?
    var readyLimitReason: String { "still queued" }
    private let state = Mutex(State())

    /// As a Slurm worker's `--time`.
    let timeLimit: Duration?
    let placementKind: String

    init(_ name: String, slots: Int, readyLimit: Duration? = nil, timeLimit: Duration? = nil, placementKind: String = "local") {
        hostName = name
        self.placementKind = placementKind
        self.slots = slots
        self.readyLimit = readyLimit
        self.timeLimit = timeLimit
    }

    // MARK: WorkerTransport

    func start(events: EventQueue) throws {
        try state.withLock { state in
            state.starts += 1
            if let reason = state.refuseStart { throw StartRefused(description: reason) }
            state.events = events
            state.connected = true
        }
    }

    func send(_ message: CoordinatorMessage) -> Bool {
        state.withLock { state in
            guard state.connected else { return false }
            state.sent.append(message)
            return true
        }
    }

    func close() { state.withLock { $0.closes += 1 } }

    func abort() { state.withLock { $0.aborts += 1 } }

    // MARK: What the coordinator did

    var starts: Int { state.withLock { $0.starts } }
    var closes: Int { state.withLock { $0.closes } }
    var aborts: Int { state.withLock { $0.aborts } }

    /// Every `run` sent, in order.
    var runs: [RunRequest] {
        state.withLock { $0.sent.compactMap { if case .run(let request) = $0 { request } else { nil } } }
    }

    /// Jobs the coordinator asked to cancel.
    var cancels: [Int64] {
        state.withLock { $0.sent.compactMap { if case .cancel(let job) = $0 { job } else { nil } } }
    }

    /// How many `drain`s the coordinator sent.
    var drains: Int {
        state.withLock { $0.sent.filter { if case .drain = $0 { true } else { false } }.count }
    }

    /// Jobs the coordinator asked to stop early.
    var stops: [Int64] {
        state.withLock { $0.sent.compactMap { if case .stop(let job, _) = $0 { job } else { nil } } }
    }

    /// The attempt number of the last `run` of `job`.
    func attempt(of job: Int64) -> Int? { runs.last { $0.job == job }?.attempt }

    // MARK: What the worker says

    func refuseStarts(_ reason: String?) { state.withLock { $0.refuseStart = reason } }

    private func post(_ event: CoordinatorEvent) {
        let events = state.withLock { $0.events }
        events!.post(event)
    }

    private func say(_ message: WorkerMessage) {
        if case .finished(let result) = message { state.withLock { _ = $0.answered.insert("\(result.job).\(result.attempt)") } }
        post(.message(host: hostName, message))
    }

    func ready(slots: Int? = nil, placement: Placement? = nil) {
        say(.ready(WorkerInfo(version: "test", binaryHash: "0", hostname: hostName, cores: 2, slots: slots ?? self.slots,
                              placement: placement)))
    }

    /// The transport's start, done off the loop, failed (as `SlurmTransport` posts it).
    func startFailed(_ reason: String) {
        state.withLock { $0.connected = false }
        post(.startFailed(host: hostName, reason: reason))
    }

    /// What the closed connection held outside its worker was released, or not (`problem`).
    func released(problem: String?) {
        post(.released(host: hostName, problem: problem))
    }

    /// The transport says the worker waits in the scheduler's queue as job `job`.
    func waiting(job: String) {
        post(.waiting(host: hostName, job: job, detail: "slurm job \(job) pending in the queue"))
    }

    /// The worker's heartbeat: by default it lists every job sent and not yet ended, as a
    /// worker does.
    func heartbeat(running: [Int64]? = nil) {
        let answered = state.withLock { $0.answered }
        say(.heartbeat(running: running ?? runs.filter { !answered.contains("\($0.job).\($0.attempt)") }.map(\.job)))
    }

    /// The worker's runner began the job's attempt.
    func started(_ job: Int64, attempt: Int? = nil) {
        say(.started(job: job, attempt: attempt ?? self.attempt(of: job)!))
    }

    func metric(_ job: Int64, epoch: Int, _ values: [String: Double], attempt: Int? = nil) {
        say(.metric(job: job, attempt: attempt ?? self.attempt(of: job)!, epoch: epoch, values: values))
    }

    func log(_ job: Int64, _ line: String, attempt: Int? = nil) {
        say(.log(job: job, attempt: attempt ?? self.attempt(of: job)!, line: line))
    }

    func done(_ job: Int64, attempt: Int? = nil) {
        say(.finished(AttemptResult(job: job, attempt: attempt ?? self.attempt(of: job)!, status: .ok, summary: ["ok": true])))
    }

    /// The workload threw: its own error.
    func failed(_ job: Int64, error: String) {
        say(.finished(AttemptResult(job: job, attempt: attempt(of: job)!, status: .failed, error: error, reportedByJob: true)))
    }

    /// The job's process died by a signal.
    func crashed(_ job: Int64, signal: Int32 = 6) {
        say(.finished(AttemptResult(job: job, attempt: attempt(of: job)!, status: .failed,
                                    error: "job process killed by signal \(signal)", signal: signal)))
    }

    func cancelled(_ job: Int64, attempt: Int? = nil) {
        say(.finished(AttemptResult(job: job, attempt: attempt ?? self.attempt(of: job)!, status: .cancelled, error: "cancelled")))
    }

    /// The connection ends (the worker exited, the channel closed).
    func closeConnection(_ reason: String, failure: HostFailure = .transient) {
        state.withLock { $0.connected = false }
        post(.closed(host: hostName, reason: reason, failure: failure))
    }
}
