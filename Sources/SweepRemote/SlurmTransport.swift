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
        let job = SlurmJobState(host: name)
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
                                 stderrLine: job.read, failure: SlurmJobState.failure)
        } else {
            let cache = settings.sharedHome ? LocalCache(binary: binary, dataFiles: dataFiles) : nil
            localCache = cache
            inner = LocalTransport(hostName: name, executable: "/usr/bin/env",
                                   arguments: ["srun"] + srun + [cache?.binaryPath ?? binary.path] + worker,
                                   slots: host.slots, stderrLine: job.read, failure: SlurmJobState.failure)
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
        job.begin(events: events)
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
        inner.close()
        cancelJob()
    }

    public func abort() {
        inner.abort()
        cancelJob()
    }

    public func waitUntilClosed(deadline: ContinuousClock.Instant) {
        inner.waitUntilClosed(deadline: deadline)
    }

    /// `scancel --name=JOB`: whatever this worker's job is doing (waiting in the queue, or
    /// running after its stdin closed), it leaves the queue. Waits for scancel (a few tens
    /// of milliseconds; bounded by Slurm's own message timeout, or 15 s over SSH).
    private func cancelJob() {
        let arguments = ["scancel", "--quiet", "--name=\(jobName)"]
        if host.usesSSH {
            let done = DispatchSemaphore(value: 0)
            let host = host
            Task {
                if let session = try? await SSHSession.connect(to: RemoteHost.target(host)) {
                    _ = try? await session.run(arguments.joined(separator: " "))
                    await session.close()
                }
                done.signal()
            }
            _ = done.wait(timeout: .now() + 15)
        } else if let child = try? ChildProcess.spawn(executable: "/usr/bin/env", arguments: arguments) {
            child.closeStdin()
            child.forEachLine(of: .stdout) { _ in }
            child.forEachLine(of: .stderr) { _ in }
            _ = child.wait()
        }
    }
}

/// What srun said about the current connection's Slurm job: its id once known; posts
/// `.waiting` while it is pending in the queue.
final class SlurmJobState: Sendable {
    private let host: String
    private let state = Mutex<(events: EventQueue?, id: String?, held: Bool)>((nil, nil, false))

    init(host: String) { self.host = host }

    var id: String? { state.withLock { $0.id } }

    func begin(events: EventQueue) {
        state.withLock { $0 = (events, nil, false) }
    }

    /// What srun says when Slurm refuses the request itself (a partition, account, size or
    /// option it will never grant): asking again would be refused again.
    static let refusals = [
        "Unable to allocate resources: Invalid", "Unable to allocate resources: Requested node configuration is not available",
        "Unable to allocate resources: Access/permission denied", "Unable to allocate resources: More processors requested",
        "Unable to allocate resources: Job violates accounting", "Memory specification can not be satisfied",
        "srun: unrecognized option", "srun: error: Invalid", "srun: error: invalid",
    ]

    /// Whether a worker connection's end (reason and srun's last stderr lines) can heal: a
    /// cancelled, preempted or timed-out job can; a request Slurm refuses cannot.
    @Sendable static func failure(_ reason: String) -> HostFailure {
        refusals.contains { reason.contains($0) } ? .permanent : .transient
    }

    /// One stderr line of srun: `srun: job 12 queued and waiting for resources` (only when
    /// the job must wait), `srun: Job is in held state, pending scheduler release`.
    @Sendable func read(_ line: String) {
        if line.contains("Job is in held state") { state.withLock { $0.held = true } }
        guard let range = line.range(of: "srun: job "), line.contains("queued and waiting") else { return }
        let id = String(line[range.upperBound...].prefix { $0.isNumber })
        guard !id.isEmpty else { return }
        let (events, held) = state.withLock { state in
            state.id = id
            return (state.events, state.held)
        }
        events?.post(.waiting(host: host, job: id, detail: "slurm job \(id) pending in the queue" + (held ? " (held)" : "")))
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
