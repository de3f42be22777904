import Foundation
import SweepCore
import SweepStore
import SweepWire

/// Runs a sweep's pending jobs on a set of worker hosts until each is done or failed,
/// recording every message in the store.
///
/// One loop consumes events (worker messages, closed connections, Ctrl-C) in order and
/// is the store's only writer. Metrics are written in batches; an attempt's metrics are
/// always flushed before the attempt is closed, so a done job has all of its rows.
public final class Coordinator {
    /// Retry, timeout and host-health policy.
    public struct Options: Sendable {
        /// Attempts that may fail before a job stays failed. Lost attempts don't count.
        public var maxAttempts = 2
        /// Seconds after which a job is killed; nil for none.
        public var timeout: Double?
        /// Seconds without any message after which a host is declared lost.
        public var hostGrace: Double = 30
        /// Distinct jobs failing in a row on a host after which it gets no more jobs in this
        /// sweep (a job failing again on retry says more about the job than the host).
        public var quarantineAfter = 3
        /// Times a lost host is reconnected (with backoff) before it is given up.
        public var reconnects = 5
        /// The longest wait between reconnection attempts, in seconds.
        public var maxBackoff: Double = 30

        public init() {}
    }

    /// How the run ended.
    public struct Outcome: Sendable {
        public var counts: StateCounts
        public var elapsed: Double
        /// Jobs this run finished (ok or failed).
        public var finished: Int
        /// True if Ctrl-C stopped the run before every job was done.
        public var interrupted: Bool
        /// Why hosts stopped being used (lost, quarantined, would not start).
        public var hostProblems: [String]
    }

    /// What the coordinator knows about one host.
    private final class Host {
        let transport: any WorkerTransport
        var info: WorkerInfo?
        var running: [Int64: Int] = [:]  // job -> attempt
        /// Usable: started and not declared lost.
        var alive = false
        /// Between `start` and the transport's `.closed`: a new connection waits for this.
        var connected = false
        var quarantined = false
        /// The jobs that failed on this host since its last success.
        var failureStreak: Set<Int64> = []
        var lastSeen = Date()
        var reconnects = 0
        var reconnectAt: Date?

        init(transport: any WorkerTransport) { self.transport = transport }

        var freeSlots: Int {
            guard alive, !quarantined, let info else { return 0 }
            return min(transport.slots, info.slots) - running.count
        }

        /// Could still run jobs: usable now, or lost but due to be reconnected.
        var hasFuture: Bool { !quarantined && (alive || reconnectAt != nil) }
    }

    private let store: Store
    private let sweep: SweepInfo
    private let options: Options
    private let progress: ProgressLine
    private let events: EventQueue
    private var hosts: [String: Host] = [:]
    private var hostOrder: [String] = []
    private var queue: [Int64] = []
    private var jobs: [Int64: StoredJob] = [:]
    private var metricBuffer: [MetricRow] = []
    private var logBuffer: [(job: Int64, attempt: Int, line: String)] = []
    private var lastFlush = Date()
    private var lastProgress = Date.distantPast
    private var draining = false
    private var cancelling = false
    private var finished = 0
    private var hostProblems: [String] = []

    /// - Parameter events: the queue transports and signal handlers post to.
    public init(store: Store, sweep: SweepInfo, transports: [any WorkerTransport], events: EventQueue,
                options: Options, progress: ProgressLine) {
        self.store = store
        self.sweep = sweep
        self.options = options
        self.progress = progress
        self.events = events
        for transport in transports {
            hosts[transport.hostName] = Host(transport: transport)
            hostOrder.append(transport.hostName)
        }
    }

    /// Runs until every pending job is done or failed, the hosts are all gone, or Ctrl-C.
    public func run() throws -> Outcome {
        let started = Date()
        for job in try store.jobs(of: sweep.id, states: [.pending]) {
            jobs[job.id] = job
            queue.append(job.id)
        }
        for name in hostOrder { try connect(name) }

        while !isFinished {
            if let event = events.pop(timeout: 0.1) { try handle(event) }
            try checkHostHealth()
            try reconnectDueHosts()
            if Date().timeIntervalSince(lastFlush) > 0.25 || metricBuffer.count > 5000 { try flush() }
            try assign()
            if Date().timeIntervalSince(lastProgress) > 0.2 {
                progress.update(try store.counts(of: sweep.id), finishedThisRun: finished, note: note)
                lastProgress = Date()
            }
        }
        try flush()
        for host in hosts.values { host.transport.close() }
        let counts = try store.counts(of: sweep.id)
        progress.update(counts, finishedThisRun: finished, note: note, force: true)
        progress.finish()
        return Outcome(counts: counts, elapsed: Date().timeIntervalSince(started), finished: finished,
                       interrupted: (draining || cancelling) && counts.pending + counts.cancelled > 0,
                       hostProblems: hostProblems)
    }

    private var note: String {
        if cancelling { return "cancelling" }
        if draining { return "draining (Ctrl-C again cancels running jobs)" }
        return ""
    }

    private var runningCount: Int { hosts.values.reduce(0) { $0 + $1.running.count } }

    private var isFinished: Bool {
        guard runningCount == 0 else { return false }
        if queue.isEmpty || draining || cancelling { return true }
        // Nothing can run the queue: every host is gone for good or quarantined.
        return !hosts.values.contains { $0.hasFuture }
    }

    // MARK: Events

    private func handle(_ event: CoordinatorEvent) throws {
        switch event {
        case .message(let name, let message):
            guard let host = hosts[name], host.alive else { return }
            host.lastSeen = Date()
            try handle(message, from: name, host: host)
        case .closed(let name, let reason, let failure):
            guard let host = hosts[name] else { return }
            host.connected = false
            // No reconnects for what cannot heal: `scheduleReconnect` sees the budget spent.
            if failure == .permanent { host.reconnects = options.reconnects }
            if host.alive { try lose(name, host: host, reason: reason) }
        case .interrupt:
            if !draining {
                draining = true
                progress.message("Draining: no new jobs; \(runningCount) running will finish. Press Ctrl-C again to cancel them.")
                try store.record(event: "drain", message: "interrupted: draining", sweep: sweep.id)
            } else if !cancelling {
                cancelling = true
                progress.message("Cancelling \(runningCount) running jobs.")
                try store.record(event: "cancel", message: "interrupted twice: cancelling running jobs", sweep: sweep.id)
                for host in hosts.values where host.alive {
                    for job in host.running.keys { host.transport.send(.cancel(job: job)) }
                }
            }
        }
    }

    private func handle(_ message: WorkerMessage, from name: String, host: Host) throws {
        switch message {
        case .ready(let info):
            host.info = info
            host.reconnects = 0
            try store.updateHost(name: name, state: "up", detail: "\(info.hostname), \(info.cores) cores, sweep \(info.version)",
                                 binaryHash: info.binaryHash, cores: info.cores, slots: min(host.transport.slots, info.slots))
        case .started, .heartbeat:
            break
        case .metric(let job, let attempt, let epoch, let values):
            guard host.running[job] == attempt else { return }
            for (metric, value) in values {
                metricBuffer.append(MetricRow(job: job, attempt: attempt, epoch: epoch, name: metric, value: value))
            }
        case .log(let job, let attempt, let line):
            guard host.running[job] == attempt else { return }
            logBuffer.append((job, attempt, line))
        case .finished(let result):
            guard host.running[result.job] == result.attempt else { return }
            try finish(result, on: name, host: host)
        }
    }

    private func finish(_ result: AttemptResult, on name: String, host: Host) throws {
        try flush()
        host.running[result.job] = nil
        finished += 1
        defer { FaultInjection.pass("finished") }
        guard var job = jobs[result.job] else { return }
        switch result.status {
        case .ok:
            host.failureStreak.removeAll()
            try store.finishAttempt(job: job.id, attempt: result.attempt, outcome: .ok(summary: result.summary))
        case .cancelled:
            try store.finishAttempt(job: job.id, attempt: result.attempt, outcome: .failed(
                status: "cancelled", error: result.error ?? "cancelled", stderrTail: result.stderrTail,
                signal: result.signal, then: .cancelled))
        case .failed:
            job.failures += 1
            jobs[job.id] = job
            let retry = job.failures < options.maxAttempts && !cancelling
            let error = result.error ?? "failed"
            try store.finishAttempt(job: job.id, attempt: result.attempt, outcome: .failed(
                status: "failed", error: error, stderrTail: result.stderrTail, signal: result.signal,
                then: retry ? .pending : .failed))
            if retry {
                queue.append(job.id)
            } else {
                progress.message("job \(job.id) failed after \(job.failures) attempts: \(error)")
            }
            // A failure the job reported itself (e.g. its data set is missing) says nothing
            // about the host: only crashes, kills and timeouts count towards quarantine.
            guard !result.reportedByJob else { return }
            host.failureStreak.insert(job.id)
            if options.quarantineAfter > 0, host.failureStreak.count >= options.quarantineAfter, !host.quarantined {
                host.quarantined = true
                try hostDown(name, state: "quarantined",
                             reason: "\(host.failureStreak.count) jobs failed in a row there; last: \(error)")
            }
        }
    }

    /// Starts (or restarts) a host's worker; a failure counts as losing the host.
    private func connect(_ name: String) throws {
        let host = hosts[name]!
        host.reconnectAt = nil
        host.info = nil
        host.lastSeen = Date()
        do {
            try host.transport.start(events: events)
            host.alive = true
            host.connected = true
        } catch {
            host.alive = false
            try hostDown(name, state: "unreachable", reason: "\(error)")
            scheduleReconnect(host)
        }
    }

    /// A host went away: its running attempts are lost and their jobs run again elsewhere
    /// (or on this host once it is reconnected). `hung` kills a worker that stopped talking.
    private func lose(_ name: String, host: Host, reason: String, hung: Bool = false) throws {
        host.alive = false
        try flush()
        for (job, attempt) in host.running.sorted(by: { $0.key < $1.key }) {
            try store.finishAttempt(job: job, attempt: attempt, outcome: .lost(reason: "host \(name) lost: \(reason)"))
            queue.insert(job, at: 0)
        }
        host.running.removeAll()
        if hung { host.transport.abort() } else { host.transport.close() }
        try hostDown(name, state: "lost", reason: reason)
        scheduleReconnect(host)
    }

    /// Exponential backoff: 1, 2, 4 ... seconds up to `maxBackoff`, `reconnects` times.
    private func scheduleReconnect(_ host: Host) {
        guard host.reconnects < options.reconnects, !host.quarantined else { return }
        host.reconnectAt = Date(timeIntervalSinceNow: min(options.maxBackoff, pow(2, Double(host.reconnects))))
        host.reconnects += 1
    }

    /// Reconnects lost hosts whose backoff has passed, once their old connection is closed.
    private func reconnectDueHosts() throws {
        guard !queue.isEmpty, !draining, !cancelling else { return }
        let now = Date()
        for name in hostOrder {
            let host = hosts[name]!
            if !host.alive, !host.connected, let due = host.reconnectAt, due <= now {
                progress.message("reconnecting host \(name) (try \(host.reconnects) of \(options.reconnects))")
                try connect(name)
            }
        }
    }

    private func hostDown(_ name: String, state: String, reason: String) throws {
        let text = "host \(name) \(state): \(reason)"
        hostProblems.append(text)
        progress.message(text)
        try store.updateHost(name: name, state: state, detail: reason)
        try store.record(event: "host-\(state)", message: reason, sweep: sweep.id, host: name)
    }

    /// Hosts that stopped talking past the grace period are lost.
    private func checkHostHealth() throws {
        let now = Date()
        for name in hostOrder {
            let host = hosts[name]!
            if host.alive, now.timeIntervalSince(host.lastSeen) > options.hostGrace {
                try lose(name, host: host, reason: "no message for \(Int(options.hostGrace)) s", hung: true)
            }
        }
    }

    // MARK: Scheduling

    /// Fills free slots, hosts in the order given, jobs in spec order.
    private func assign() throws {
        guard !draining, !cancelling else { return }
        for name in hostOrder {
            let host = hosts[name]!
            var free = host.freeSlots
            while free > 0, !queue.isEmpty {
                let id = queue.removeFirst()
                guard let job = jobs[id] else { continue }
                let attempt = try store.startAttempt(job: id, host: name)
                FaultInjection.pass("started")
                host.running[id] = attempt
                free -= 1
                let request = RunRequest(job: id, attempt: attempt, workload: job.workload, config: job.config,
                                         timeout: options.timeout)
                if !host.transport.send(.run(request)) {
                    try lose(name, host: host, reason: "connection closed")
                    break
                }
            }
        }
    }

    private func flush() throws {
        try store.append(metrics: metricBuffer, logs: logBuffer)
        metricBuffer.removeAll(keepingCapacity: true)
        logBuffer.removeAll(keepingCapacity: true)
        lastFlush = Date()
    }
}
