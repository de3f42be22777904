#if canImport(Glibc)
import Glibc
#endif
import SweepCore
import SweepRuntime
import SweepStore
import SweepTransport
import SweepWire

/// Runs a sweep's pending jobs on a set of worker hosts until each is done or failed,
/// recording every message in the store.
///
/// One loop, on the thread that calls `run()`, owns all of this state and is the store's
/// only writer: it takes events (worker messages, closed connections, Ctrl-C) from its
/// `EventQueue` in order, sleeping until the next one or until its earliest timer is due
/// (heartbeat grace, reconnect backoff, metric flush, progress line, job timeout). Timers
/// read an injected monotonic `LoopClock`, so tests step the same loop with `start()`,
/// `runPending()` and a `ManualClock` instead of sleeping.
///
/// Metrics are written in batches; an attempt's metrics are always flushed before the
/// attempt is closed, so a done job has all of its rows.
public final class Coordinator {
    /// Retry, timeout and host-health policy.
    public struct Options: Sendable {
        /// Attempts that may fail before a job stays failed. Lost attempts don't count, and
        /// a failure the job reports itself is never retried.
        public var maxAttempts = 2
        /// How long a job may run before it is killed; nil for no limit.
        public var timeout: Duration?
        /// How long a host may stay silent before it is declared lost.
        public var hostGrace: Duration = .seconds(30)
        /// Distinct jobs failing in a row on a host after which it gets no more jobs in this
        /// sweep (a job failing again on retry says more about the job than the host).
        public var quarantineAfter = 3
        /// Times a lost host is reconnected (with backoff) before it is given up.
        public var reconnects = 5
        /// The longest wait between reconnection attempts.
        public var maxBackoff: Duration = .seconds(30)
        /// How often buffered metrics are written, at the latest.
        public var flushInterval: Duration = .milliseconds(250)
        /// How often the progress line is refreshed.
        public var progressInterval: Duration = .milliseconds(200)
        /// Where jobs' output files are kept (`JobOutput`); nil drops them.
        public var outputRoot: String?
        /// The sweep's early-stopping rule (its `objective` and `stop`), if it has one.
        public var stopping: EarlyStopping?
        /// How long a stopped job's program has between SIGTERM and SIGKILL.
        public var stopGrace: Duration = .seconds(10)
        /// Jobs `--rerun-stopped` or `retry SWEEP JOB...` put back: they run to their end
        /// whatever the stop rule says (their values still count at its rungs). A resume of
        /// the run keeps the unfinished ones stopped as the rule decided.
        public var runToEnd: Set<Int64> = []
        /// The sweep's model-based search (`sample.method` tpe), if it has one: `assign`
        /// asks it for a new trial whenever a slot is free and nothing is queued.
        public var search: ModelSearch?
        public init() {}
    }

    /// How the run ended.
    public struct Outcome: Sendable {
        public var counts: StateCounts
        public var elapsed: Duration
        /// Jobs this run finished (ok or failed).
        public var finished: Int
        /// True if Ctrl-C stopped the run before every job was done.
        public var interrupted: Bool
        /// Why hosts stopped being used (lost, quarantined, unusable, would not start), and
        /// which were reconnected during the run and how often.
        public var hostProblems: [String]
    }

    /// One attempt running on a host.
    private struct RunningAttempt {
        var number: Int
        /// When it was sent, then when the worker said it started: the timeout backstop
        /// counts from here.
        var started: Duration
        /// The worker said it started it (`started`): from then until its `finished`, every
        /// heartbeat of that worker lists it (both come in the order the worker wrote them).
        var confirmed = false
        /// How long its worker had been up when it started: one ended by its time limit had
        /// not given this job its whole time.
        var workerAge: Duration = .zero
    }

    /// What the coordinator knows about one host.
    private final class Host {
        let transport: any WorkerTransport
        var info: WorkerInfo? {
            didSet {
                machine = info.map {
                    AttemptMachine(os: $0.os, cpu: $0.cpu, cores: $0.cores, sweepVersion: $0.version, binaryHash: $0.binaryHash,
                                   placement: placement)
                }
            }
        }
        /// What each attempt on this host records as having run it (from `info`).
        private(set) var machine: AttemptMachine?
        /// Where its worker runs: as the worker says (a scheduler's job), else its transport's kind.
        var placement: Placement? {
            info.map { $0.placement ?? Placement(kind: transport.placementKind) }
        }
        var running: [Int64: RunningAttempt] = [:]
        /// Usable: started and not declared lost.
        var alive = false
        /// Between `start` and the transport's `.closed`: a new connection waits for this.
        var connected = false
        var quarantined = false
        /// Failed permanently (`HostFailure.permanent`): never reconnected in this sweep.
        var unusable = false
        /// The jobs that failed on this host since its last success.
        var failureStreak: Set<Int64> = []
        var lastSeen: Duration = .zero
        /// When the current connection was started (its `ready` limit counts from here).
        var connectedAt: Duration = .zero
        /// When the current connection's worker said `ready` (its time limit counts from here).
        var readyAt: Duration?
        /// Jobs started on the current connection.
        var startedJobs = 0
        var reconnects = 0
        var reconnectAt: Duration?
        /// Reconnections that came back (`ready`) in this run, for the summary.
        var reconnected = 0
        /// Sent `drain`: its worker exits once its jobs end, which is no loss.
        var drained = false

        init(transport: any WorkerTransport) { self.transport = transport }

        var freeSlots: Int {
            guard alive, !quarantined, let info else { return 0 }
            return min(transport.slots, info.slots) - running.count
        }

        /// Could still run jobs: usable now, or lost but due to be reconnected.
        var hasFuture: Bool { !quarantined && !unusable && (alive || reconnectAt != nil) }

        func runs(_ job: Int64, attempt: Int) -> Bool { running[job]?.number == attempt }
    }

    private let store: StoreWriter
    private let sweep: SweepInfo
    private let options: Options
    private let progress: ProgressLine
    private let events: EventQueue
    private let clock: any LoopClock
    private var hosts: [String: Host] = [:]
    private var hostOrder: [String] = []
    private var queue = JobQueue()
    private var jobs: [Int64: StoredJob] = [:]
    private var metricBuffer: [MetricRow] = []
    private var logBuffer: [(job: Int64, attempt: Int, line: String)] = []
    private let logBudget = LogBudget()
    private let outputs: OutputWriter?
    private var started: Duration = .zero
    private var lastFlush: Duration = .zero
    private var lastProgress: Duration?
    private var draining = false
    private var cancelling = false
    private var finished = 0
    private var connectionsClosed = false
    private var hostProblems: [String] = []
    /// The stop rule's state (`Options.stopping`), fed every metric.
    private var stopping: EarlyStopping?
    /// Jobs the stop rule ended, with its decision, until their worker reports them finished.
    private var stopReasons: [Int64: StopDecision] = [:]
    /// The longest ok run in this run of each configuration (`configurationKey`): what a
    /// job of it is expected to take, so that a worker near its time limit is not given it.
    private var expectedDurations: [String: Duration] = [:]
    private var configurationKeys: [Int64: String] = [:]
    /// Jobs put back once, uncounted, because their worker reached its time limit after
    /// starting them late in its time; a second time counts as the job's failure.
    private var outranTheirWorker: Set<Int64> = []
    /// What a job's expected run is given on top, against a worker's time limit: the worker
    /// came up a little after its scheduler job started, and jobs vary.
    static let timeLimitMargin: Duration = .seconds(2)
    /// The search's trials and model (`Options.search`).
    private var search: TrialSearch?
    /// Stopped jobs whose attempt reported its last epoch (`epochs`) before the stop landed.
    private var stoppedAtTheEnd: Set<Int64> = []
    /// The thread that called `start()`: the loop's, the only one that may touch this state.
    private var loopThread: pthread_t?

    /// - Parameters:
    ///   - events: the queue transports and signal handlers post to.
    ///   - clock: the loop's timers; `MonotonicClock()` outside tests.
    public init(store: StoreWriter, sweep: SweepInfo, transports: [any WorkerTransport], events: EventQueue,
                options: Options, progress: ProgressLine, clock: any LoopClock = MonotonicClock()) {
        self.store = store
        self.sweep = sweep
        self.options = options
        self.progress = progress
        self.events = events
        self.clock = clock
        outputs = options.outputRoot.map(OutputWriter.init)
        stopping = options.stopping
        search = options.search.map(TrialSearch.init)
        for transport in transports {
            hosts[transport.hostName] = Host(transport: transport)
            hostOrder.append(transport.hostName)
        }
    }

    /// Runs until every pending job is done or failed, the hosts are all gone, or Ctrl-C.
    public func run() throws -> Outcome {
        // Also when something throws: the caller may exit next, and must not while a
        // connection is still being torn down.
        defer { closeConnections() }
        try start()
        while !isFinished {
            if let event = events.next(timeout: max(.zero, nextDeadline - clock.now)) { try handle(event) }
            try runPending()
        }
        return try finish()
    }

    // MARK: Stepping (what `run()` is made of; tests call these with a manual clock)

    /// Queues the sweep's pending jobs, starts every host and hands out the first jobs.
    public func start() throws {
        loopThread = pthread_self()
        started = clock.now
        lastFlush = started
        if let rule = stopping { try rebuild(rule) }
        if let search { try rebuild(search) }
        for job in try store.jobs(of: sweep.id, states: [.pending]) {
            jobs[job.id] = job
            queue.append(job.id)
        }
        for name in hostOrder { try connect(name) }
        try assign()
    }

    /// Handles every event already posted, fires the timers due by the clock's `now`, and
    /// fills free slots. Never blocks.
    public func runPending() throws {
        assertInLoop()
        while let event = events.poll() { try handle(event) }
        try fireTimers()
        try assign()
    }

    /// True once nothing is running and nothing more can start.
    public var isFinished: Bool {
        guard runningCount == 0 else { return false }
        if (queue.isEmpty && !(search?.canPropose ?? false) && stopping?.promotion(idle: true) == nil) || draining || cancelling {
            return true
        }
        // Nothing can run the queue: every host is gone for good or quarantined.
        return !hosts.values.contains { $0.hasFuture }
    }

    /// The earliest time a timer is due (the progress line's, at the latest).
    public var nextDeadline: Duration {
        var deadline = lastProgress.map { $0 + options.progressInterval } ?? clock.now
        if !metricBuffer.isEmpty || !logBuffer.isEmpty { deadline = min(deadline, lastFlush + options.flushInterval) }
        for host in hosts.values {
            if host.alive { deadline = min(deadline, host.lastSeen + silenceLimit(host)) }
            if let due = host.reconnectAt { deadline = min(deadline, due) }
            if let limit = attemptLimit {
                for attempt in host.running.values { deadline = min(deadline, attempt.started + limit) }
            }
        }
        return deadline
    }

    /// Flushes, closes every connection and says how the run ended.
    public func finish() throws -> Outcome {
        assertInLoop()
        try flush()
        closeConnections()
        // A host that failed for good as the last jobs finished elsewhere (a full disk found
        // while the local worker ran the sweep) is still reported, once.
        while let event = events.poll() {
            if case .closed(let name, let reason, .permanent) = event, let host = hosts[name], host.info == nil, !host.unusable {
                try giveUp(name, host: host, reason: reason)
            }
            if case .released(let name, let problem?) = event { try released(name, problem: problem) }
        }
        // Its scheduler job was still waiting in the queue: closing took it out.
        for (name, host) in hosts where host.alive && host.info == nil && host.transport.readyLimit != nil {
            try store.updateHost(name: name, state: .lost, detail: "the sweep ended before its worker started")
        }
        for name in hostOrder where hosts[name]!.reconnected > 0 {
            let times = hosts[name]!.reconnected
            hostProblems.append("host \(name): reconnected \(times) time\(times == 1 ? "" : "s")")
        }
        let counts = try store.counts(of: sweep.id)
        progress.update(counts, finishedThisRun: finished, note: note, force: true)
        progress.finish()
        return Outcome(counts: counts, elapsed: clock.now - started, finished: finished,
                       interrupted: (draining || cancelling) && counts.pending + counts.cancelled > 0,
                       hostProblems: hostProblems)
    }

    private var note: String {
        if cancelling { return "cancelling" }
        if draining { return "draining (Ctrl-C again cancels running jobs)" }
        return ""
    }

    private var runningCount: Int { hosts.values.reduce(0) { $0 + $1.running.count } }

    /// Closes every connection (once) and waits for them to be torn down, so that the
    /// process can exit next: in real time whatever the loop's clock, at most `closeWait`;
    /// transports with nothing to wait for return at once.
    private func closeConnections() {
        guard !connectionsClosed else { return }
        connectionsClosed = true
        for host in hosts.values { host.transport.close() }
        let deadline = ContinuousClock.now + Self.closeWait
        for name in hostOrder { hosts[name]!.transport.waitUntilClosed(deadline: deadline) }
    }

    /// How long `closeConnections` waits, at most, for the connections to be torn down.
    private static let closeWait: Duration = .seconds(5)

    /// How long past its start an attempt is given up by the coordinator: the job's
    /// timeout, which the worker enforces, plus the host grace for the worker to say so.
    private var attemptLimit: Duration? { options.timeout.map { $0 + options.hostGrace } }

    /// Stops a debug build when a loop-only method runs on another thread than `start()`'s
    /// (NIO's `preconditionInEventLoop`): the state here has no lock. `assert`: no cost in release.
    private func assertInLoop(_ function: StaticString = #function) {
        assert(loopThread.map { pthread_equal($0, pthread_self()) != 0 } ?? true,
               "Coordinator.\(function) ran off the loop thread (the one that called start())")
    }

    // MARK: Events

    private func handle(_ event: CoordinatorEvent) throws {
        assertInLoop()
        switch event {
        case .message(let name, let message):
            guard let host = hosts[name], host.alive else { return }
            host.lastSeen = clock.now
            try handle(message, from: name, host: host)
        case .closed(let name, let reason, let failure):
            guard let host = hosts[name] else { return }
            host.connected = false
            if host.alive, host.drained, host.running.isEmpty {
                // Its worker did as asked: finished its jobs and exited.
                host.alive = false
            } else if host.alive {
                try lose(name, host: host, reason: reason, failure: failure)
            } else if failure == .permanent, !host.unusable {
                // It failed for good while waiting to be reconnected: stop waiting.
                try giveUp(name, host: host, reason: reason)
            }
        case .waiting(let name, let job, let detail):
            guard let host = hosts[name], host.alive, host.info == nil else { return }
            try store.updateHost(name: name, state: .pending, detail: detail,
                                 placement: Placement(kind: host.transport.placementKind, id: job))
        case .startFailed(let name, let reason):
            // As when `start` throws (`connect`): unreachable, reconnected with backoff.
            guard let host = hosts[name], host.alive, host.info == nil else { return }
            host.alive = false
            host.connected = false
            try hostDown(name, state: .unreachable, reason: reason)
            scheduleReconnect(host)
        case .released(let name, let problem):
            if let problem { try released(name, problem: problem) }
        case .interrupt:
            if !draining {
                draining = true
                progress.message("Draining: no new jobs; \(runningCount) running will finish. Press Ctrl-C again to cancel them.")
                try store.record(event: "drain", message: "interrupted: draining", sweep: sweep.id)
                for name in hostOrder where hosts[name]!.alive { drain(hosts[name]!) }
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
            host.readyAt = clock.now
            host.startedJobs = 0
            if host.reconnects > 0 { host.reconnected += 1 }
            host.reconnects = 0
            // A scheduler's job says which and where: "<kind> job 12 running on node n1".
            let placed = info.placement.flatMap { placement in
                placement.id.map { "\(placement.kind) job \($0) running on node \(placement.node ?? info.hostname)" }
            }
            try store.updateHost(name: name, state: .up,
                                 detail: "\(placed ?? info.hostname), \(info.cores) cores, sweep \(info.version)",
                                 binaryHash: info.binaryHash, cores: info.cores, slots: min(host.transport.slots, info.slots),
                                 placement: host.placement)
            // It came up after Ctrl-C: it gets no job, and may end.
            if draining { drain(host) }
        case .started(let job, let attempt):
            guard host.runs(job, attempt: attempt) else { return }
            host.running[job]!.confirmed = true
            host.running[job]!.started = clock.now
        case .heartbeat(let running):
            try reconcile(name, host: host, listed: running)
        case .metric(let job, let attempt, let epoch, let values):
            guard host.runs(job, attempt: attempt) else { return }
            for (metric, value) in values {
                metricBuffer.append(MetricRow(job: job, attempt: attempt, epoch: epoch, name: metric, value: value))
            }
            search?.observe(job: job, attempt: attempt, epoch: epoch, metrics: values)
            if stopReasons[job] != nil, let last = jobs[job]?.config["epochs"]?.intValue, epoch >= last {
                stoppedAtTheEnd.insert(job)
            }
            if stopping != nil, stopReasons[job] == nil,
               let reason = stopping!.observe(job: job, epoch: epoch, metrics: values, lastEpoch: jobs[job]?.config["epochs"]?.intValue,
                                              alone: isAlone(job), recordOnly: options.runToEnd.contains(job)) {
                stopReasons[job] = StopDecision(sweep: sweep.id, rule: stopping!.settings.rule.rawValue, epoch: epoch, reason: reason)
                host.transport.send(.stop(job: job, grace: Double(options.stopGrace.components.seconds)))
            }
            if metricBuffer.count > 5000 { try flush() }
        case .log(let job, let attempt, let line):
            guard host.runs(job, attempt: attempt), let kept = logBudget.take(job: job, attempt: attempt, line: line) else { return }
            logBuffer.append((job, attempt, kept))
        case .output(let job, let attempt, let path, let offset, let bytes):
            guard host.runs(job, attempt: attempt), let outputs else { return }
            if let problem = outputs.write(job: job, attempt: attempt, path: path, offset: offset, bytes: bytes) {
                logBuffer.append((job, attempt, problem))
            }
        case .finished(let result):
            guard host.runs(result.job, attempt: result.attempt) else { return }
            try complete(result, on: name, host: host)
        }
    }

    /// Asks a host's worker to finish its running jobs, take no more and exit.
    private func drain(_ host: Host) {
        guard !host.drained else { return }
        host.drained = true
        host.transport.send(.drain)
    }

    /// Squares what the coordinator thinks runs on a host with what its worker's heartbeat
    /// lists. An attempt the worker said it started and no longer lists ended without its
    /// `finished` reaching us: it is lost and its job runs again (a lost attempt is no
    /// failure). An unconfirmed one is not judged: its `run` may still be on its way. A job
    /// the worker lists that the coordinator does not run there (given up after its
    /// timeout) is cancelled again.
    private func reconcile(_ name: String, host: Host, listed: [Int64]) throws {
        let listed = Set(listed)
        for (job, attempt) in host.running.sorted(by: { $0.key < $1.key }) where attempt.confirmed && !listed.contains(job) {
            try flush()
            host.running[job] = nil
            logBudget.end(job: job)
            if try endStopped(job, attempt: attempt.number) { continue }
            let reason = "host \(name)'s worker no longer runs it (its heartbeat does not list it)"
            progress.message("job \(job): \(reason); it runs again")
            try store.finishAttempt(job: job, attempt: attempt.number, outcome: .lost(reason: reason))
            try store.record(event: "attempt-lost", message: reason, sweep: sweep.id, job: job, host: name)
            queue.prepend(job)
        }
        for job in listed.subtracting(host.running.keys).sorted() { host.transport.send(.cancel(job: job)) }
    }

    /// Records as stopped a job the stop rule had ended whose worker will not report its end
    /// (gone from its heartbeat, or its host lost); false when the rule had not ended it.
    private func endStopped(_ job: Int64, attempt: Int) throws -> Bool {
        stoppedAtTheEnd.remove(job)
        guard let decision = stopReasons.removeValue(forKey: job) else { return false }
        finished += 1
        stopping?.ended(job: job, as: .stopped)
        search?.ended(job: job, as: .stopped)
        try store.finishAttempt(job: job, attempt: attempt, outcome: .stopped(decision, stderrTail: nil))
        return true
    }

    /// Records the end of an attempt the worker reported.
    private func complete(_ result: AttemptResult, on name: String, host: Host) throws {
        try flush()
        let ran = host.running.removeValue(forKey: result.job).map { clock.now - $0.started }
        logBudget.end(job: result.job)
        finished += 1
        defer { FaultInjection.pass("finished") }
        guard let job = jobs[result.job] else { return }
        // As decided below: a stopped job that reported its last epoch first ran to its end.
        let decided = stopReasons[job.id] != nil
        stopping?.ended(job: job.id, as: decided && stoppedAtTheEnd.contains(job.id) ? .done
            : decided && result.status != .ok ? .stopped : result.status == .ok ? .done : .failed)
        // A job the stop rule ended is stopped, however its program took the SIGTERM; one
        // that finished first, or reported its last epoch before the SIGTERM landed (a
        // program faster than the stop), ran to the end: it is done.
        if stoppedAtTheEnd.remove(job.id) != nil, stopReasons.removeValue(forKey: job.id) != nil {
            search?.ended(job: job.id, as: .done)
            host.failureStreak.removeAll()
            try store.finishAttempt(job: job.id, attempt: result.attempt, outcome: .ok(summary: result.summary))
            return
        }
        if let decision = stopReasons.removeValue(forKey: job.id), result.status != .ok {
            try store.finishAttempt(job: job.id, attempt: result.attempt, outcome: .stopped(decision, stderrTail: result.stderrTail))
            search?.ended(job: job.id, as: .stopped)
            return
        }
        switch result.status {
        case .ok:
            search?.ended(job: job.id, as: .done)
            host.failureStreak.removeAll()
            if let ran, host.transport.timeLimit != nil {
                let key = configurationKey(job)
                expectedDurations[key] = max(expectedDurations[key] ?? .zero, ran)
            }
            try store.finishAttempt(job: job.id, attempt: result.attempt, outcome: .ok(summary: result.summary))
        case .cancelled:
            try store.finishAttempt(job: job.id, attempt: result.attempt, outcome: .failed(
                status: .cancelled, error: result.error ?? "cancelled", stderrTail: result.stderrTail,
                signal: result.signal, then: .cancelled))
        case .failed:
            try fail(job, attempt: result.attempt, error: result.error ?? "failed", stderrTail: result.stderrTail,
                     signal: result.signal, reportedByJob: result.reportedByJob, on: name, host: host)
        }
    }

    /// Records a failed attempt and decides the job's fate. A failure the job reported
    /// itself (an exception, a missing data set, a bad config) happens again on every try:
    /// it fails the job at once. Crashes, kills and timeouts may be the host's or the
    /// moment's: retried up to `maxAttempts`, and counted towards the host's quarantine
    /// (unless `countsAgainstHost` is false: a job that outlasted its worker's time limit).
    private func fail(_ job: StoredJob, attempt: Int, error: String, stderrTail: String?, signal: Int32?,
                      reportedByJob: Bool, on name: String, host: Host, countsAgainstHost: Bool = true) throws {
        var job = job
        job.failures += 1
        jobs[job.id] = job
        let retry = !reportedByJob && job.failures < options.maxAttempts && !cancelling
        try store.finishAttempt(job: job.id, attempt: attempt, outcome: .failed(
            status: .failed, error: error, stderrTail: stderrTail, signal: signal, then: retry ? .pending : .failed))
        if !retry { search?.ended(job: job.id, as: .failed) }
        if retry {
            queue.append(job.id)
        } else if reportedByJob {
            progress.jobFailed("job \(job.id) failed (not retried: the job reported it): \(error)")
        } else {
            progress.jobFailed("job \(job.id) failed after \(job.failures) attempts: \(error)")
        }
        // A failure the job reported itself (e.g. its data set is missing) says nothing
        // about the host: only crashes, kills and timeouts count towards quarantine.
        guard !reportedByJob, countsAgainstHost else { return }
        host.failureStreak.insert(job.id)
        if options.quarantineAfter > 0, host.failureStreak.count >= options.quarantineAfter, !host.quarantined {
            host.quarantined = true
            try hostDown(name, state: .quarantined,
                         reason: "\(host.failureStreak.count) jobs failed in a row there; last: \(error)")
        }
    }

    // MARK: Hosts

    /// Starts (or restarts) a host's worker; a failure counts as losing the host.
    private func connect(_ name: String) throws {
        let host = hosts[name]!
        host.reconnectAt = nil
        host.info = nil
        host.readyAt = nil
        host.lastSeen = clock.now
        host.connectedAt = clock.now
        do {
            try host.transport.start(events: events)
            host.alive = true
            host.connected = true
        } catch {
            host.alive = false
            try hostDown(name, state: .unreachable, reason: "\(error)")
            scheduleReconnect(host)
        }
    }

    /// A host went away: its running attempts are lost and their jobs run again elsewhere
    /// (or on this host once it is reconnected, unless it failed permanently). `hung`
    /// kills a worker that stopped talking.
    private func lose(_ name: String, host: Host, reason: String, failure: HostFailure = .transient,
                      hung: Bool = false) throws {
        host.alive = false
        try flush()
        if case .timeLimit(let limit, let fix) = failure, !host.running.isEmpty {
            progress.message("host \(name): its worker reached its time limit"
                + (limit.map { " (\(ProgressLine.clock(Double($0))))" } ?? "") + " with \(host.running.count) "
                + (host.running.count == 1 ? "job" : "jobs") + " running; \(fix)")
        }
        for (job, attempt) in host.running.sorted(by: { $0.key < $1.key }) {
            if case .timeLimit(let limit, _) = failure, attempt.workerAge > Self.timeLimitMargin,
               outranTheirWorker.insert(job).inserted {
                // Started late in its worker's time: a fresh worker may well finish it. Once, uncounted.
                let ran = ProgressLine.clock((clock.now - attempt.started).inSeconds)
                let reason = "host \(name)'s worker reached its time limit"
                    + (limit.map { " (\(ProgressLine.clock(Double($0))))" } ?? "")
                    + " after this job had run \(ran), started \(ProgressLine.clock(attempt.workerAge.inSeconds)) into the "
                    + "worker's time: run again on a fresh worker (once, not counted as a failure)"
                try store.finishAttempt(job: job, attempt: attempt.number, outcome: .lost(reason: reason))
                queue.prepend(job)
                continue
            }
            if case .timeLimit(let limit, let fix) = failure, let stored = jobs[job] {
                // Run again, it would meet the same limit: a failure of the job, not a lost host.
                finished += 1
                let ran = ProgressLine.clock((clock.now - attempt.started).inSeconds)
                let error = "outlasts the time limit of host \(name)'s worker: ran \(ran), limit "
                    + (limit.map { ProgressLine.clock(Double($0)) } ?? "unknown") + "; \(fix)"
                try fail(stored, attempt: attempt.number, error: error, stderrTail: reason, signal: nil, reportedByJob: false,
                         on: name, host: host, countsAgainstHost: false)
                continue
            }
            // The rule had ended it already: the host's going changes nothing.
            if try endStopped(job, attempt: attempt.number) { continue }
            try store.finishAttempt(job: job, attempt: attempt.number, outcome: .lost(reason: "host \(name) lost: \(reason)"))
            queue.prepend(job)
        }
        host.running.removeAll()
        if hung { host.transport.abort() } else { host.transport.close() }
        if failure == .permanent {
            try giveUp(name, host: host, reason: reason)
        } else {
            try hostDown(name, state: .lost, reason: reason)
            scheduleReconnect(host)
        }
    }

    /// Drops a host that cannot work for the rest of the sweep: reported once, never reconnected.
    private func giveUp(_ name: String, host: Host, reason: String) throws {
        host.unusable = true
        host.reconnectAt = nil
        try hostDown(name, state: .unusable, reason: reason + " (not retried in this sweep)")
    }

    /// Exponential backoff: 1, 2, 4 ... seconds up to `maxBackoff`, `reconnects` times.
    private func scheduleReconnect(_ host: Host) {
        guard host.reconnects < options.reconnects, !host.quarantined, !host.unusable else { return }
        let backoff = min(options.maxBackoff, .seconds(1 << min(host.reconnects, 30)))
        host.reconnectAt = clock.now + backoff
        host.reconnects += 1
    }

    /// A closed connection's Slurm job may not have left the queue: said and recorded, not fatal.
    private func released(_ name: String, problem: String) throws {
        let text = "host \(name): \(problem)"
        hostProblems.append(text)
        progress.message(text)
        try store.record(event: "host-release-failed", message: problem, sweep: sweep.id, host: name)
    }

    private func hostDown(_ name: String, state: StoredHost.State, reason: String) throws {
        let text = "host \(name) \(state.rawValue): \(reason)"
        hostProblems.append(text)
        progress.message(text)
        try store.updateHost(name: name, state: state, detail: reason)
        try store.record(event: "host-\(state.rawValue)", message: reason, sweep: sweep.id, host: name)
    }

    // MARK: Timers

    private func fireTimers() throws {
        assertInLoop()
        let now = clock.now
        for name in hostOrder {
            let host = hosts[name]!
            // A worker that never started within its transport's limit (a scheduler job stuck
            // in the queue) is given up: waiting longer would not run the sweep.
            if host.alive, host.info == nil, let limit = host.transport.readyLimit, now - host.connectedAt > limit {
                try lose(name, host: host, reason: host.transport.readyLimitReason, failure: .permanent, hung: true)
            }
            // A host silent past the grace period is lost (and its worker killed).
            if host.alive, now - host.lastSeen > silenceLimit(host) {
                try lose(name, host: host, reason: "no message for \(Int(options.hostGrace.inSeconds)) s", hung: true)
            }
            if host.alive, let limit = attemptLimit {
                try expireAttempts(on: name, host: host, now: now, limit: limit)
            }
        }
        try reconnectDueHosts(now: now)
        if now - lastFlush >= options.flushInterval { try flush() }
        if lastProgress.map({ now - $0 >= options.progressInterval }) ?? true {
            progress.update(try store.counts(of: sweep.id), finishedThisRun: finished, note: note)
            lastProgress = now
        }
    }

    /// How long a host may stay silent: the grace, or before its `ready` the transport's
    /// ready limit when it has one (then checked on its own, from the start).
    private func silenceLimit(_ host: Host) -> Duration {
        guard host.info == nil, let limit = host.transport.readyLimit else { return options.hostGrace }
        return max(limit + .seconds(1), options.hostGrace)
    }

    /// The worker kills a job at its timeout and says so; one that is still running
    /// `hostGrace` later is failed here (retryable, like any timeout) and cancelled there.
    private func expireAttempts(on name: String, host: Host, now: Duration, limit: Duration) throws {
        for (id, attempt) in host.running.sorted(by: { $0.key < $1.key }) where now - attempt.started > limit {
            guard let job = jobs[id] else { continue }
            try flush()
            host.running[id] = nil
            finished += 1
            host.transport.send(.cancel(job: id))
            let seconds = options.timeout.map { "\($0.inSeconds)" } ?? "?"
            try fail(job, attempt: attempt.number, error: "timed out after \(seconds) s (the worker did not stop it)",
                     stderrTail: nil, signal: nil, reportedByJob: false, on: name, host: host)
        }
    }

    /// Reconnects lost hosts whose backoff has passed, once their old connection is closed.
    private func reconnectDueHosts(now: Duration) throws {
        guard !queue.isEmpty || search?.canPropose == true || stopping?.promotion(idle: runningCount == 0) != nil,
              !draining, !cancelling else { return }
        for name in hostOrder {
            let host = hosts[name]!
            if !host.alive, !host.connected, let due = host.reconnectAt, due <= now {
                progress.message("reconnecting host \(name) (try \(host.reconnects) of \(options.reconnects))")
                try connect(name)
            }
        }
    }

    // MARK: Scheduling

    /// Fills free slots, hosts in the order given, jobs in spec order; a search first
    /// proposes as many trials as there are free slots left without a queued job.
    private func assign() throws {
        assertInLoop()
        guard !draining, !cancelling else { return }
        if stopping?.settings.pause == true { try promote() }
        if let search { try propose(search) }
        for name in hostOrder {
            let host = hosts[name]!
            var free = host.freeSlots
            while free > 0, !queue.isEmpty {
                guard let index = nextJob(for: host) else {
                    if host.running.isEmpty { try retire(name, host: host) }
                    break
                }
                let id = queue.remove(at: index)
                guard let job = jobs[id] else { continue }
                let attempt = try store.startAttempt(job: id, host: name, machine: host.machine)
                stopping?.started(job: id)
                FaultInjection.pass("started")
                host.running[id] = RunningAttempt(number: attempt, started: clock.now,
                                                  workerAge: host.readyAt.map { clock.now - $0 } ?? .zero)
                host.startedJobs += 1
                free -= 1
                let request = RunRequest(job: id, attempt: attempt, workload: job.workload, config: job.config,
                                         timeout: options.timeout?.inSeconds)
                if !host.transport.send(.run(request)) {
                    try lose(name, host: host, reason: "connection closed")
                    break
                }
            }
        }
    }

    /// The queue's first job that `host` should run: any, unless its worker has a time limit
    /// and has run a job already; then the first not expected to outlast the time left (a job
    /// expected to outlast even a fresh worker goes anyway, to fail with the limit named).
    /// nil when none fits.
    private func nextJob(for host: Host) -> Int? {
        guard let limit = host.transport.timeLimit, let readyAt = host.readyAt, host.startedJobs > 0 else { return 0 }
        let left = limit - (clock.now - readyAt)
        return queue.firstIndex { id in
            guard let job = jobs[id], let expected = expectedDurations[configurationKey(job)] else { return true }
            let needs = expected + Self.timeLimitMargin
            return needs <= left || needs > limit
        }
    }

    /// A worker whose time left fits none of the queued jobs: ended now and requested again
    /// at once (nothing failed), rather than left idle until its limit ends it.
    private func retire(_ name: String, host: Host) throws {
        let left = host.transport.timeLimit.map { $0 - (clock.now - (host.readyAt ?? clock.now)) } ?? .zero
        let text = "host \(name): its worker has \(ProgressLine.clock(max(0, left.inSeconds))) left of its time limit, "
            + "less than the next job is expected to take; requesting a fresh worker"
        host.alive = false
        host.transport.close()
        progress.message(text)
        try store.updateHost(name: name, state: .lost, detail: text)
        try store.record(event: "host-retired", message: text, sweep: sweep.id, host: name)
        host.reconnectAt = clock.now
    }

    /// A job's configuration: its workload and config without the seed (jobs that differ only
    /// by seed are expected to take as long).
    private func configurationKey(_ job: StoredJob) -> String {
        if let key = configurationKeys[job.id] { return key }
        var values = job.config.values
        values["seed"] = nil
        let key = job.workload + "\u{0}" + JSONValue.object(values).canonicalText
        configurationKeys[job.id] = key
        return key
    }

    // MARK: Stop rule

    /// A resumed sweep's stop rule starts from what its jobs reported (up to a pausing
    /// rule's decision, for those it stopped) and, with `pause`, what became of each job.
    private func rebuild(_ rule: EarlyStopping) throws {
        var rule = rule
        let metric = rule.objective.metric
        let decisions = rule.settings.pause ? try store.stopDecisions(of: sweep.id) : [:]
        let stored = try store.jobs(of: sweep.id)
        let lastEpochs = Dictionary(uniqueKeysWithValues: stored.map { ($0.id, $0.config["epochs"]?.intValue) })
        for point in try store.finishedCurves(sweep: sweep.id, metric: metric, includingRequeued: rule.settings.pause)
        where decisions[point.job]?.epoch.map({ point.epoch <= $0 }) ?? true {
            _ = rule.observe(job: point.job, epoch: point.epoch, metrics: [metric: point.value], lastEpoch: lastEpochs[point.job] ?? nil,
                             recordOnly: true)
        }
        if rule.settings.pause {
            for job in stored { rule.restore(job: job.id, state: job.state, stoppedAtEpoch: decisions[job.id]?.epoch) }
        }
        stopping = rule
    }

    /// `pause`: runs again the paused jobs the rule promotes, ahead of the queue (Li et al.
    /// promote before they start new configurations), at most one per free slot.
    private func promote() throws {
        guard var rule = stopping else { return }
        defer { stopping = rule }
        var free = hosts.values.reduce(0) { $0 + max(0, $1.freeSlots) }
        var promoted: [Int64] = []
        while free > 0, let id = rule.promotion(idle: runningCount == 0 && queue.isEmpty && promoted.isEmpty) {
            rule.promote(id)
            let message = "promoted by \(rule.settings.rule.rawValue): runs again from its start"
            guard try store.promote(job: id, sweep: sweep.id, message: message) else { continue }
            if jobs[id] == nil { jobs[id] = try store.job(String(id)) }
            progress.message("job \(id) \(message)")
            promoted.append(id)
            free -= 1
        }
        for id in promoted.reversed() { queue.prepend(id) }
    }

    /// `pause`: nothing but `job` runs or waits to run (jobs winding down after a stop aside).
    private func isAlone(_ job: Int64) -> Bool {
        guard let rule = stopping, rule.settings.pause, queue.isEmpty, !(search?.canPropose ?? false),
              runningCount - stopReasons.count <= 1 else { return false }
        return rule.promotion(idle: false) == nil
    }

    // MARK: Search

    /// Proposes trials while free slots outnumber queued jobs, one at a time: each is added
    /// to the model as running before the next is proposed (constant liar), so parallel
    /// slots get different points. A trial is a job like any other: stored with its number,
    /// seed and basis in one transaction (`Store.addTrial`), then queued; a config already
    /// in the store is not run again (its trial takes that job's result).
    private func propose(_ search: TrialSearch) throws {
        let free = hosts.values.reduce(0) { $0 + max(0, $1.freeSlots) }
        var wanted = free - queue.count
        while wanted > 0, search.canPropose {
            let number = search.count
            let (config, basis) = search.propose()
            let plan = search.plan
            let key = config.key(workload: plan.workload, version: plan.version)
            let stored = try store.addTrial(sweep: sweep.id, number: number, job: NewJob(key: key, workload: plan.workload, config: config),
                                            samplerSeed: plan.seed, proposedFrom: basis, settings: plan.storedSettings)
            FaultInjection.pass("proposed")
            search.add(job: stored.id, config: config)
            switch stored.state {
            case .pending where jobs[stored.id] == nil:
                jobs[stored.id] = stored
                queue.append(stored.id)
                wanted -= 1
            case .pending, .running, .cancelled:
                break  // Already queued or running here: the trial follows that job.
            case .done, .stopped:
                try replayCurve(of: stored, into: search)
                search.ended(job: stored.id, as: stored.state == .done ? .done : .stopped)
            case .failed:
                search.ended(job: stored.id, as: .failed)
            }
        }
    }

    /// A resumed search: its trials in number order, each in its job's state, with the
    /// objective's curve of those that ended, so the model is the one the last run had.
    private func rebuild(_ search: TrialSearch) throws {
        let stored = try store.trials(of: sweep.id)
        var curves: [Int64: [(epoch: Int, value: Double)]] = [:]
        for point in try store.finishedCurves(sweep: sweep.id, metric: search.plan.objective.metric) {
            curves[point.job, default: []].append((point.epoch, point.value))
        }
        for trial in stored {
            guard search.add(job: trial.job.id, config: trial.job.config) else {
                throw StoreError(.database, "trial \(trial.number) of sweep \(sweep.name) (job \(trial.job.id)) does not fit the search's parameters")
            }
        }
        for trial in stored {
            for (epoch, value) in curves[trial.job.id] ?? [] {
                search.observe(job: trial.job.id, attempt: trial.job.okAttempt ?? 1, epoch: epoch, metrics: [search.plan.objective.metric: value])
            }
            switch trial.job.state {
            case .done: search.ended(job: trial.job.id, as: .done)
            case .stopped: search.ended(job: trial.job.id, as: .stopped)
            case .failed: search.ended(job: trial.job.id, as: .failed)
            case .pending, .running, .cancelled: break
            }
        }
    }

    /// A finished job from another sweep that a trial proposed again: its curve, as if run here.
    private func replayCurve(of job: StoredJob, into search: TrialSearch) throws {
        guard let attempt = job.okAttempt else { return }
        for row in try store.metrics(of: job.id) where row.attempt == attempt && row.name == search.plan.objective.metric {
            search.observe(job: job.id, attempt: attempt, epoch: row.epoch, metrics: [row.name: row.value])
        }
    }

    private func flush() throws {
        lastFlush = clock.now
        guard !metricBuffer.isEmpty || !logBuffer.isEmpty else { return }
        try store.append(metrics: metricBuffer, logs: logBuffer)
        metricBuffer.removeAll(keepingCapacity: true)
        logBuffer.removeAll(keepingCapacity: true)
    }
}
