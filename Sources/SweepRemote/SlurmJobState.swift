import Foundation
import Synchronization
import SweepTransport

/// What srun said about the current connection's Slurm job: its id once known; posts
/// `.waiting` while it is pending in the queue, and gives it up at once when Slurm says it
/// will never start (`watch`).
final class SlurmJobState: Sendable {
    private struct Connection {
        var events: EventQueue?
        var id: String?
        var held = false
        /// Counts connections, so that a watcher of an earlier one stops.
        var number = 0
        /// Why Slurm will never start this connection's job, once the watcher knows.
        var refusal: String?
        /// srun said the queued job was allocated (it no longer waits).
        var allocated = false
        /// Why the queued job is gone from Slurm although srun still waits for it (a controller
        /// restarted without it), once the watcher knows: requested again, not given up.
        var vanished: String?
        /// Closed or aborted: the watcher asks nothing more.
        var ended = false
        var refuse: (@Sendable () -> Void)?
    }

    private let host: String
    private let hostFile: String
    private let settings: SlurmSettings
    private let slurm: @Sendable ([String]) -> (status: Int32, output: String)?
    private let state = Mutex(Connection())

    /// - Parameters:
    ///   - host: the worker's name (`c.1`); `hostFile`: the host file's (`c`).
    ///   - slurm: runs a Slurm client where srun runs (`SlurmTransport.slurmCommand`).
    init(host: String, hostFile: String, settings: SlurmSettings,
         slurm: @escaping @Sendable ([String]) -> (status: Int32, output: String)?) {
        self.host = host
        self.hostFile = hostFile
        self.settings = settings
        self.slurm = slurm
    }

    var id: String? { state.withLock { $0.id } }

    /// Whether srun still waits in the queue (it said so, and not yet that it was allocated):
    /// then no worker runs and ending srun loses nothing.
    var isPending: Bool { state.withLock { $0.id != nil && !$0.allocated } }

    /// The connection is being closed: its watcher stops.
    func end() {
        state.withLock { $0.ended = true }
    }

    /// A new connection; `refuse` ends it (when Slurm will never start its job).
    func begin(events: EventQueue, refuse: @escaping @Sendable () -> Void) {
        state.withLock { $0 = Connection(events: events, number: $0.number + 1, refuse: refuse) }
    }

    /// What srun says when Slurm refuses the request itself (a partition, account, size or
    /// option it will never grant): asking again would be refused again.
    static let refusals = [
        "Unable to allocate resources: Invalid", "Unable to allocate resources: Requested node configuration is not available",
        "Unable to allocate resources: Access/permission denied", "Unable to allocate resources: More processors requested",
        "Unable to allocate resources: Job violates accounting", "Memory specification can not be satisfied",
        "srun: unrecognized option", "srun: error: Invalid", "srun: error: invalid",
    ]

    /// Pending reasons (`squeue -o %r`) that never heal by waiting: the request itself is
    /// beyond what the partition, account or nodes allow. Each with what to change.
    static let hopelessReasons: [String: String] = [
        "PartitionConfig": "the request (its --cpus-per-task, i.e. slots, memory or other slurm_args) is more than any node "
            + "of the partition has or its limits allow: lower slots or choose another --partition (sinfo -o '%P %c %m %l')",
        "PartitionNodeLimit": "the request needs more nodes than the partition allows: drop --nodes from slurm_args",
        "PartitionTimeLimit": "--time is longer than the partition's limit: lower --time in slurm_args (sinfo -o '%P %l')",
        "InvalidAccount": "the account is not valid: fix --account in slurm_args (sacctmgr show assoc user=$USER)",
        "InvalidQOS": "the QOS is not valid: fix --qos in slurm_args (sacctmgr show assoc user=$USER)",
        "AccountNotAllowed": "the partition does not allow this account: fix --account or --partition in slurm_args",
        "QOSNotAllowed": "the partition does not allow this QOS: fix --qos or --partition in slurm_args",
        "BadConstraints": "no node has the requested features: fix --constraint in slurm_args (sinfo -o '%N %f')",
        "DependencyNeverSatisfied": "its dependency can never be satisfied: fix --dependency in slurm_args",
        "QOSMaxWallDurationPerJobLimit": "--time is longer than the QOS allows: lower --time in slurm_args",
        "AssocMaxWallDurationPerJobLimit": "--time is longer than the account allows: lower --time in slurm_args",
        "QOSMaxCpuPerJobLimit": "more CPUs per job than the QOS allows: lower slots",
        "AssocMaxCpuPerJobLimit": "more CPUs per job than the account allows: lower slots",
        "QOSMaxNodePerJobLimit": "more nodes per job than the QOS allows: drop --nodes from slurm_args",
        "AssocMaxNodesPerJobLimit": "more nodes per job than the account allows: drop --nodes from slurm_args",
    ]

    /// Whether a worker connection's end (reason and srun's last stderr lines) can heal: a
    /// cancelled or preempted job can; a request Slurm refuses or will never start cannot;
    /// a worker Slurm ended at its time limit is `.timeLimit` (its jobs outlast `--time`).
    @Sendable func failure(_ reason: String) -> HostFailure {
        if state.withLock({ $0.vanished }) != nil { return .transient }
        if state.withLock({ $0.refusal }) != nil || Self.refusals.contains(where: { reason.contains($0) }) { return .permanent }
        guard reason.contains("DUE TO TIME LIMIT") else { return .transient }
        let fix = settings.arguments.last { $0.hasPrefix("--time=") }.map {
            "raise \($0) in slurm_args of host file \(hostFile), or make the jobs shorter"
        } ?? "no --time in slurm_args of host file \(hostFile), so the partition's default applies (sinfo -o '%P %L'): "
            + "set a longer --time there, or make the jobs shorter"
        return .timeLimit(seconds: settings.timeLimit, fix: fix)
    }

    /// The connection's end in words: why Slurm will never start the job, when the watcher
    /// found out (srun itself only says it was cancelled); a preemption or a node failure as
    /// what it is (srun says "CANCELLED ... DUE TO PREEMPTION", or exits 0 after "Node failure
    /// on n1", which read as a crash).
    @Sendable func explain(_ reason: String) -> String {
        if let refusal = state.withLock({ $0.refusal }) { return refusal }
        if let vanished = state.withLock({ $0.vanished }) { return vanished }
        if reason.contains("DUE TO PREEMPTION") {
            return "its Slurm job was preempted (cancelled for a higher-priority job); its running jobs run again, "
                + "and the worker is requested again"
        }
        if let range = reason.range(of: "Node failure on ") {
            let node = reason[range.upperBound...].prefix { !$0.isWhitespace && $0 != "," }
            return "Slurm reported a node failure on \(node); its running jobs run again elsewhere"
        }
        return reason
    }

    /// One stderr line of srun: `srun: job 12 queued and waiting for resources` (only when
    /// the job must wait), `srun: Job is in held state, pending scheduler release`.
    @Sendable func read(_ line: String) {
        if line.contains("Job is in held state") { state.withLock { $0.held = true } }
        // "srun: job 12 has been allocated resources": it left the queue.
        if line.contains("srun: job "), line.contains("has been allocated resources") { state.withLock { $0.allocated = true } }
        guard let range = line.range(of: "srun: job "), line.contains("queued and waiting") else { return }
        let id = String(line[range.upperBound...].prefix { $0.isNumber })
        guard !id.isEmpty else { return }
        let (events, held, number) = state.withLock { state in
            state.id = id
            return (state.events, state.held, state.number)
        }
        events?.post(.waiting(host: host, job: id, detail: "slurm job \(id) pending in the queue" + (held ? " (held)" : "")))
        Thread.detachNewThread { self.watch(id, connection: number) }
    }

    /// Asks Slurm why job `id` is pending (after 1, 2, 4 ... 64 s, then every minute: Slurm
    /// sets such reasons when the job is submitted, and 256 workers over SSH must not keep the
    /// login node busy), until srun says it was allocated or its connection ends. A reason
    /// that never heals (`hopelessReasons`) ends the connection at once, permanently, with the
    /// reason and the fix, instead of waiting out `pending_limit` (which stays the backstop).
    /// A job Slurm no longer knows while srun still waits for it (slurmctld crashed before
    /// saving it) ends the connection too, to be requested again: srun would wait forever.
    /// While the controller does not answer, it asks again later.
    private func watch(_ id: String, connection number: Int) {
        var delays: [UInt32] = [1, 1, 2, 4, 8, 16, 32]
        while true {
            sleep(delays.isEmpty ? 60 : delays.removeFirst())
            guard state.withLock({ $0.number == number && $0.refusal == nil && $0.vanished == nil && !$0.ended && !$0.allocated })
            else { return }
            guard let answer = slurm(["squeue", "--noheader", "--jobs=\(id)", "--format=%T|%r"]) else { continue }
            let fields = answer.output.split(separator: "\n").first?.split(separator: "|").map(String.init) ?? []
            // squeue: "Invalid job id specified" (exit 1), or nothing once the record is purged.
            if answer.output.contains("Invalid job id") || (answer.status == 0 && fields.isEmpty) {
                end(connection: number, vanished: "Slurm no longer knows job \(id), which srun was still waiting for "
                    + "(its controller restarted without it?): the worker is requested again")
                return
            }
            guard answer.status == 0, fields.count == 2 else { continue }
            guard fields[0] == "PENDING" else { return }
            guard let fix = Self.hopelessReasons[fields[1]] else { continue }
            let text = "Slurm will never start job \(id) (pending, reason \(fields[1])): \(fix); in the host file of \(hostFile)"
            let refuse = state.withLock { state -> (@Sendable () -> Void)? in
                guard state.number == number else { return nil }
                state.refusal = text
                return state.refuse
            }
            refuse?()
            return
        }
    }

    /// Ends connection `number` (if still current) because its queued job vanished.
    private func end(connection number: Int, vanished text: String) {
        let refuse = state.withLock { state -> (@Sendable () -> Void)? in
            guard state.number == number, !state.allocated, !state.ended else { return nil }
            state.vanished = text
            return state.refuse
        }
        refuse?()
    }
}
