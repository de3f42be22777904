import SweepCore
import SweepGit
import SweepRuntime
import SweepStore
import SweepTransport

/// Launch, resume and retry all come down to this: take the database's writer lock,
/// record the plan, re-queue what should run again, then run what is pending.
///
/// In two steps so the command line can print what was registered before the run:
/// `prepare` (lock, register, requeue) and `Prepared.run` (the coordinator's loop).
/// The transports are chosen by the caller; the library never picks SSH.
public struct Launcher {
    /// The sweep to record: what a parsed spec expands to.
    public struct Plan: Sendable {
        public var name: String
        public var workload: String
        public var specPath: String
        public var specText: String
        public var jobs: [NewJob]
        /// The git commit the spec's folder is at, if it is in a repository.
        public var checkout: GitCheckout?
        /// A model-based search's identity (`SearchPlan.identity`): no jobs are planned, its
        /// trials add them.
        public var search: String?

        public init(name: String, workload: String, specPath: String, specText: String, jobs: [NewJob],
                    checkout: GitCheckout? = nil, search: String? = nil) {
            self.search = search
            self.name = name
            self.workload = workload
            self.specPath = specPath
            self.specText = specText
            self.jobs = jobs
            self.checkout = checkout
        }
    }

    public var databasePath: String
    public var options: Coordinator.Options
    /// Re-queue the sweep's failed jobs first (`sweep retry --failed`).
    public var requeueFailed = false
    /// Re-queue the jobs a stop rule ended, to run them to the end (`--rerun-stopped`).
    public var requeueStopped = false
    /// Re-queue these jobs of the sweep, whatever they ended as (`sweep retry SWEEP JOB...`).
    public var requeueJobs: [Int64] = []

    public init(databasePath: String, options: Coordinator.Options) {
        self.databasePath = databasePath
        self.options = options
        if self.options.outputRoot == nil { self.options.outputRoot = JobOutput.root(database: databasePath) }
    }

    /// Opens the database as its one writer (the store holds the lock for its life) and
    /// records the plan; nothing has run yet.
    /// - Throws: `StoreError` of kind `.locked` if another coordinator holds the database,
    ///   or another kind if it cannot be written.
    public func prepare(_ plan: Plan) throws -> Prepared {
        let store = try StoreWriter(path: databasePath, coordinating: plan.name)
        let registration = try store.register(
            name: plan.name, workload: plan.workload, specPath: plan.specPath, specText: plan.specText, jobs: plan.jobs,
            search: plan.search, checkout: plan.checkout)
        FaultInjection.pass("registered")
        let settled = try store.settleStopped(sweep: registration.sweep.id, hasStopRule: options.stopping != nil)
        let requeued = requeueFailed ? try store.requeueFailed(sweep: registration.sweep.id)
            : requeueJobs.isEmpty ? nil : try store.requeue(jobs: requeueJobs, sweep: registration.sweep.id)
        let rerun = requeueStopped ? try store.requeue(.stopped, sweep: registration.sweep.id) : nil
        var options = options
        // Jobs asked for by name or by --rerun-stopped run to their end, whatever the rule says.
        options.runToEnd = Set(rerun ?? []).union(requeueJobs)
        return Prepared(store: store, options: options, planned: plan.jobs.count, registration: registration,
                        requeued: requeued, rerunStopped: rerun?.count, settled: settled, before: try store.counts(of: registration.sweep.id))
    }

    /// A registered sweep, holding the database's writer lock (through its store) for as
    /// long as it lives.
    public final class Prepared {
        public let store: StoreWriter
        private let options: Coordinator.Options
        /// How many jobs the plan has.
        public let planned: Int
        public let registration: Registration
        /// Failed jobs put back to pending, when asked to.
        public let requeued: Int?
        /// Stopped jobs put back to pending, when asked to.
        public let rerunStopped: Int?
        /// Stopped jobs squared with who stopped them: another sweep's, run to the end here
        /// when this launch has no stop rule (`Store.settleStopped`).
        public let settled: StoppedSettlement
        /// The sweep's counts before anything ran.
        public let before: StateCounts

        init(store: StoreWriter, options: Coordinator.Options, planned: Int, registration: Registration,
             requeued: Int?, rerunStopped: Int?, settled: StoppedSettlement, before: StateCounts) {
            self.store = store
            self.options = options
            self.planned = planned
            self.registration = registration
            self.requeued = requeued
            self.rerunStopped = rerunStopped
            self.settled = settled
            self.before = before
        }

        public var sweep: SweepInfo { registration.sweep }

        /// Runs the pending jobs on `transports` until done, all hosts are gone, or an
        /// interrupt posted to `events` stops it.
        public func run(on transports: [any WorkerTransport], events: EventQueue, progress: ProgressLine,
                        clock: any LoopClock = MonotonicClock()) throws -> Coordinator.Outcome {
            try Coordinator(store: store, sweep: sweep, transports: transports, events: events, options: options,
                            progress: progress, clock: clock).run()
        }

        /// The sweep's failed jobs, for the summary: up to `limit`, and how many there are.
        /// The trials of its search proposed so far (0 without one).
        public func trialCount() throws -> Int { try store.trials(of: sweep.id).count }

        /// Trials its search has still to propose (0 without one).
        public func trialsToPropose() throws -> Int {
            guard let n = options.search?.trials else { return 0 }
            return max(0, n - (try trialCount()))
        }

        public func failedJobs(limit: Int) throws -> (jobs: [StoredJob], total: Int) {
            let failed = try store.jobs(of: sweep.id, states: [.failed])
            return (Array(failed.prefix(limit)), failed.count)
        }
    }
}
