import Foundation
import Synchronization
import SweepCoordinator
import SweepCore
import SweepRuntime
import SweepSSH
import SweepWire

/// One worker of a Slurm cluster: a Slurm job of its own, started by
/// `srun --ntasks=1 --cpus-per-task=SLOTS --job-name=NAME [slurm_args] BINARY worker --slots SLOTS`,
/// speaking the wire protocol over srun's stdin and stdout.
///
/// srun runs on this machine (a `LocalTransport` whose process is srun) or, when the host
/// file has `ssh`, on the login node in an SSH exec channel (an `SSHTransport` whose command
/// is srun, which also ships the binary and data files to the login node's home). The job
/// name is unique to this launch and worker, so `close`/`abort` can `scancel` exactly it,
/// pending or running: no Slurm job outlives the sweep. While the job waits in the queue
/// srun says so on stderr ("job 12 queued and waiting"), posted as `.waiting`; the
/// coordinator gives the worker `pendingLimit` to say `ready` rather than the heartbeat grace.
public final class SlurmTransport: WorkerTransport, Sendable {
    public let hostName: String
    public let slots: Int
    /// The Slurm job name: `sweep-<launch>-<hostName>`.
    public let jobName: String
    private let host: HostFile
    private let settings: SlurmSettings
    private let inner: any WorkerTransport
    private let job: SlurmJobState
    /// Local srun with a shared home: the binary in `~/.cache/sweep/bin` and data files shipped there.
    private let localCache: LocalCache?
    /// The watcher's `squeue` calls in progress (over SSH, a session each), waited for before
    /// the process may exit (see `SSHTransport.waitUntilClosed`).
    private let queries = DispatchGroup()

    /// - Parameters:
    ///   - worker: the worker's number, 1...workers.
    ///   - launch: a token unique to this coordinator's run, part of every job name.
    ///   - binary: this coordinator's executable and its SHA-256.
    public init(host: HostFile, worker: Int, launch: String, binary: (path: String, hash: String), heartbeat: Double = 2,
                dataFiles: @escaping @Sendable (RunRequest) -> [DataFile] = { _ in [] }) {
        let settings = host.slurm ?? SlurmSettings(workers: 1)
        let name = "\(host.name).\(worker)"
        hostName = name
        slots = host.slots
        self.host = host
        self.settings = settings
        jobName = "sweep-\(launch)-\(name)"
        let queries = queries
        let job = SlurmJobState(host: name, hostFile: host.name, settings: settings, slurm: { words in
            queries.enter()
            defer { queries.leave() }
            return Self.slurmCommand(words, host: host)
        })
        self.job = job
        var srun = ["--ntasks=1", "--cpus-per-task=\(host.slots)", "--job-name=\(jobName)"] + settings.arguments
        // Without a shared home srun copies the binary to each node's /tmp and runs that copy.
        if !settings.sharedHome { srun.append("--bcast=/tmp/sweep-\(binary.hash.prefix(16))") }
        let worker = ["worker", "--slots", String(host.slots), "--heartbeat", String(heartbeat)]
        if host.usesSSH {
            localCache = nil
            let words = srun
            inner = SSHTransport(host: host, binary: binary, heartbeat: heartbeat, dataFiles: dataFiles, hostName: name,
                                 command: { path in
                                     // The cached binary's path is relative to the login node's home.
                                     (["exec", "srun"] + words.map(RemoteHost.shellQuoted)).joined(separator: " ")
                                         + " \"$HOME\"/" + RemoteHost.shellQuoted(path) + " " + worker.joined(separator: " ")
                                 },
                                 stderrLine: job.read, failure: job.failure, explain: job.explain)
        } else {
            let cache = settings.sharedHome ? LocalCache(binary: binary, dataFiles: dataFiles) : nil
            localCache = cache
            inner = LocalTransport(hostName: name, executable: "/usr/bin/env",
                                   arguments: ["srun"] + srun + [cache?.binaryPath ?? binary.path] + worker,
                                   slots: host.slots, stderrLine: job.read, failure: job.failure, explain: job.explain)
        }
    }

    /// One transport per worker the host file asks for.
    public static func workers(of host: HostFile, launch: String, binary: (path: String, hash: String),
                               dataFiles: @escaping @Sendable (RunRequest) -> [DataFile]) -> [SlurmTransport] {
        (1...(host.slurm?.workers ?? 1)).map {
            SlurmTransport(host: host, worker: $0, launch: launch, binary: binary, dataFiles: dataFiles)
        }
    }

    public var readyLimit: Duration? { .seconds(settings.pendingLimit) }

    public var readyLimitReason: String {
        let id = job.id.map { "Slurm job \($0)" } ?? "Slurm job \(jobName)"
        return "\(id) did not start within pending_limit (\(settings.pendingLimit) s): it waited in the queue "
            + "(see squeue --name=\(jobName) for the reason); free the partition, change slurm_args or raise "
            + "pending_limit in the host file of \(host.name)"
    }

    public func start(events: EventQueue) throws {
        // A job Slurm will never start (see `SlurmJobState.watch`) ends this connection at once.
        job.begin(events: events, refuse: { [weak self] in self?.abort() })
        try localCache?.ensureBinary()
        try inner.start(events: events)
    }

    public func send(_ message: CoordinatorMessage) -> Bool {
        if case .run(let request) = message, let localCache {
            do {
                try localCache.ensure(request)
            } catch {
                // The job cannot find its files on the node; end the connection so its attempt is retried.
                inner.abort()
                return false
            }
        }
        return inner.send(message)
    }

    public func close() {
        job.end()
        inner.close()
        cancelJob()
    }

    public func abort() {
        job.end()
        inner.abort()
        cancelJob()
    }

    public func waitUntilClosed(deadline: ContinuousClock.Instant) {
        inner.waitUntilClosed(deadline: deadline)
        _ = queries.wait(timeout: .now() + max(0, ContinuousClock.now.duration(to: deadline).seconds))
    }

    /// `scancel --name=JOB`: whatever this worker's job is doing (waiting in the queue, or
    /// running after its stdin closed), it leaves the queue. Waits for scancel (a few tens
    /// of milliseconds; bounded by Slurm's own message timeout, or 15 s over SSH).
    private func cancelJob() {
        _ = Self.slurmCommand(["scancel", "--quiet", "--name=\(jobName)"], host: host)
    }

    /// Runs a Slurm client (`scancel`, `squeue`, `srun --test-only`) where this cluster's
    /// srun runs: here, or on the login node over a session of its own (bounded by 15 s).
    /// - Returns: its exit status and output (stdout, then stderr); nil if it could not run.
    static func slurmCommand(_ arguments: [String], host: HostFile) -> (status: Int32, output: String)? {
        if host.usesSSH {
            let done = DispatchSemaphore(value: 0)
            let result = Mutex<(status: Int32, output: String)?>(nil)
            Task {
                if let session = try? await SSHSession.connect(to: RemoteHost.target(host)) {
                    if let run = try? await session.run(arguments.map(RemoteHost.shellQuoted).joined(separator: " ")) {
                        result.withLock { $0 = (run.exitStatus, run.stdoutText + run.stderrText) }
                    }
                    await session.close()
                }
                done.signal()
            }
            _ = done.wait(timeout: .now() + 15)
            return result.withLock { $0 }
        }
        guard let child = try? ChildProcess.spawn(executable: "/usr/bin/env", arguments: arguments) else { return nil }
        child.closeStdin()
        let output = Mutex<[String]>([]), errors = Mutex<[String]>([])
        let stderrDone = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            child.forEachLine(of: .stderr, maxLineBytes: 4096) { line in errors.withLock { if $0.count < 50 { $0.append(line) } } }
            stderrDone.signal()
        }
        child.forEachLine(of: .stdout, maxLineBytes: 4096) { line in output.withLock { if $0.count < 50 { $0.append(line) } } }
        stderrDone.wait()
        let termination = child.wait()
        let text = (output.withLock { $0 } + errors.withLock { $0 }).joined(separator: "\n")
        if case .exited(let status) = termination { return (status, text) }
        return (-1, text)
    }
}

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
        if state.withLock({ $0.refusal }) != nil || Self.refusals.contains(where: { reason.contains($0) }) { return .permanent }
        guard reason.contains("DUE TO TIME LIMIT") else { return .transient }
        let fix = settings.arguments.last { $0.hasPrefix("--time=") }.map {
            "raise \($0) in slurm_args of host file \(hostFile), or make the jobs shorter"
        } ?? "no --time in slurm_args of host file \(hostFile), so the partition's default applies (sinfo -o '%P %L'): "
            + "set a longer --time there, or make the jobs shorter"
        return .timeLimit(seconds: settings.timeLimit, fix: fix)
    }

    /// The connection's end in words: why Slurm will never start the job, when the watcher
    /// found out (srun itself only says it was cancelled).
    @Sendable func explain(_ reason: String) -> String {
        state.withLock { $0.refusal } ?? reason
    }

    /// One stderr line of srun: `srun: job 12 queued and waiting for resources` (only when
    /// the job must wait), `srun: Job is in held state, pending scheduler release`.
    @Sendable func read(_ line: String) {
        if line.contains("Job is in held state") { state.withLock { $0.held = true } }
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

    /// Asks Slurm why job `id` is pending (after 1, 2, 4 ... 64 s: Slurm sets such reasons
    /// when the job is submitted, and 256 workers over SSH must not keep the login node busy),
    /// until it runs, leaves the queue or its connection ends; a reason that never heals
    /// (`hopelessReasons`) ends the connection at once, permanently, with the reason and
    /// the fix, instead of waiting out `pending_limit` (which stays the backstop).
    private func watch(_ id: String, connection number: Int) {
        for delay in [1, 1, 2, 4, 8, 16, 32] as [UInt32] {
            sleep(delay)
            guard state.withLock({ $0.number == number && $0.refusal == nil && !$0.ended }) else { return }
            guard let answer = slurm(["squeue", "--noheader", "--jobs=\(id)", "--format=%T|%r"]), answer.status == 0 else { return }
            let fields = answer.output.split(separator: "\n").first?.split(separator: "|").map(String.init) ?? []
            guard fields.count == 2, fields[0] == "PENDING" else { return }
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
}

/// This machine's `~/.cache/sweep`, seen by the compute nodes through a shared home: the
/// binary is run from there (a rebuild during the sweep does not change what the nodes
/// run) and data files are copied there, as for SSH hosts.
final class LocalCache: Sendable {
    let binaryPath: String
    private let binary: (path: String, hash: String)
    private let dataFiles: @Sendable (RunRequest) -> [DataFile]
    private let home: String
    private let shipped = Mutex<Set<String>>([])

    init(binary: (path: String, hash: String), dataFiles: @escaping @Sendable (RunRequest) -> [DataFile],
         home: String = FileManager.default.homeDirectoryForCurrentUser.path) {
        self.home = home
        self.binary = binary
        self.dataFiles = dataFiles
        binaryPath = (home as NSString).appendingPathComponent(RemoteHost.binaryPath(hash: binary.hash))
    }

    /// Copies the binary into the cache unless it is there, then marks it used and prunes
    /// older builds (`BinaryCache`).
    func ensureBinary() throws {
        if !FileManager.default.isExecutableFile(atPath: binaryPath) {
            try copy(binary.path, to: binaryPath, sha256: binary.hash, mode: 0o755)
        }
        let prune = try ChildProcess.spawn(executable: "/bin/sh", arguments: ["-c", BinaryCache.markUsedAndPruneScript(hash: binary.hash)],
                                           directory: home)
        _ = prune.wait()  // the script prints nothing: its pipes cannot fill
    }

    /// Copies the files a job needs to `~/<remotePath>` unless they are there with the right SHA-256.
    func ensure(_ request: RunRequest) throws {
        for file in dataFiles(request) where !shipped.withLock({ $0.contains(file.remotePath) }) {
            let target = (home as NSString).appendingPathComponent(file.remotePath)
            if (try? Digest.cachedSHA256Hex(fileAtPath: target)) != file.sha256 {
                try copy(file.localPath, to: target, sha256: file.sha256, mode: 0o644)
            }
            shipped.withLock { _ = $0.insert(file.remotePath) }
        }
    }

    /// Atomic: a temporary file beside the target, checked, then renamed.
    private func copy(_ source: String, to target: String, sha256: String, mode: Int) throws {
        let folder = (target as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let temporary = target + ".tmp-\(getpid())"
        try? FileManager.default.removeItem(atPath: temporary)
        try FileManager.default.copyItem(atPath: source, toPath: temporary)
        guard try Digest.sha256Hex(fileAtPath: temporary) == sha256 else {
            try? FileManager.default.removeItem(atPath: temporary)
            throw RemoteHostError(host: "local", message: "cannot copy \(source) to \(target): the copy's SHA-256 differs")
        }
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: temporary)
        if rename(temporary, target) != 0 { throw FileError(path: target, operation: "rename", errno: errno) }
    }
}

extension SlurmCheck {
    /// Asks Slurm whether it could run one worker of `host` at all: `srun --test-only` with
    /// the worker's request (submits nothing), where the host's srun runs. Catches a bogus
    /// partition, account or constraint and a request larger than any node before a launch.
    /// - Returns: Slurm's estimate, e.g. "Job 3 to start at 2026-12-07T09:27:44 using 1
    ///   processors on nodes vm in partition debug".
    /// - Throws: `SlurmArgumentError` with srun's answer and what to change in the host file.
    public static func testRequest(_ host: HostFile) throws(SlurmArgumentError) -> String {
        let settings = host.slurm ?? SlurmSettings(workers: 1)
        let words = ["srun", "--test-only", "--ntasks=1", "--cpus-per-task=\(host.slots)", "--job-name=sweep-check-\(host.name)"]
            + settings.arguments + ["true"]
        guard let answer = SlurmTransport.slurmCommand(words, host: host) else {
            throw SlurmArgumentError(message: "cannot run srun" + (host.usesSSH ? " on \(host.sshAddress)" : "") + " to test the request")
        }
        let said = answer.output.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if answer.status == 0, let estimate = said.last(where: { $0.contains("to start at") }) {
            return estimate.hasPrefix("srun: ") ? String(estimate.dropFirst(6)) : estimate
        }
        let text = said.suffix(3).joined(separator: "; ")
        let fix: String
        if text.contains("Invalid partition") || text.contains("invalid partition") {
            fix = "choose a partition that sinfo lists (sinfo -s) in --partition"
        } else if text.contains("node configuration is not available") || text.contains("More processors requested") {
            fix = "no node of the partition has \(host.slots) CPUs (slots) and the memory asked: lower slots or choose another "
                + "partition (sinfo -o '%P %c %m')"
        } else if text.contains("configuration source") || text.contains("configuration file") || text.contains("controller") {
            fix = "srun" + (host.usesSSH ? " on \(host.sshAddress)" : " here") + " cannot reach the cluster: check that sinfo "
                + "works there (its slurm.conf or SLURM_CONF, and slurmctld)"
        } else if text.contains("feature") {
            fix = "no node has the requested features: fix --constraint (sinfo -o '%N %f')"
        } else {
            fix = "fix slurm_args (they are passed to srun as given)"
        }
        throw SlurmArgumentError(message: "Slurm cannot run a worker of \(host.name) (srun --test-only: \(text.isEmpty ? "no answer" : text)): \(fix)")
    }
}
