import Foundation
import Synchronization
import SweepTransport
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
///
/// What may block (copying the binary into the cache, hashing and copying a job's data files,
/// starting srun, `scancel`) runs on the cluster's own thread (`TransportThread`, one for the
/// workers of a host file), in the order the coordinator asked for it: `start`, `send` and `close` only queue it, a start that
/// fails is posted as `.startFailed`, and the end of `scancel` as `.released`. A reconnection's
/// srun therefore starts after the previous connection's `scancel` of the same job name.
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
    /// Runs starts, sends that ship files, and `scancel`, in order, off the coordinator's loop.
    private let thread: TransportThread
    /// The queue of the current connection, for what the thread posts.
    private let events = Mutex<EventQueue?>(nil)
    /// Where the Slurm clients (srun, squeue, scancel) are; nil: found on `PATH`.
    private let clients: String?

    /// - Parameters:
    ///   - worker: the worker's number, 1...workers.
    ///   - launch: a token unique to this coordinator's run, part of every job name.
    ///   - binary: this coordinator's executable and its SHA-256.
    public convenience init(host: HostFile, worker: Int, launch: String, binary: (path: String, hash: String), heartbeat: Double = 2,
                            dataFiles: @escaping @Sendable (RunRequest) -> [DataFile] = { _ in [] }) {
        self.init(host: host, worker: worker, launch: launch, binary: binary, heartbeat: heartbeat, dataFiles: dataFiles,
                  clients: nil, home: FileManager.default.homeDirectoryForCurrentUser.path)
    }

    /// - Parameters:
    ///   - clients: a folder holding `srun`, `squeue` and `scancel` to run instead of `PATH`'s (tests' stand-ins).
    ///   - home: this machine's home, under which a shared home's cache is.
    ///   - thread: the thread for the blocking steps, shared by a cluster's workers; nil: one of its own.
    init(host: HostFile, worker: Int, launch: String, binary: (path: String, hash: String), heartbeat: Double,
         dataFiles: @escaping @Sendable (RunRequest) -> [DataFile], clients: String?, home: String,
         thread: TransportThread? = nil) {
        let settings = host.slurm ?? SlurmSettings(workers: 1)
        let name = "\(host.name).\(worker)"
        hostName = name
        slots = host.slots
        self.host = host
        self.settings = settings
        self.clients = clients
        self.thread = thread ?? TransportThread(name: "sweep-slurm-\(name)")
        jobName = "sweep-\(launch)-\(name)"
        let queries = queries
        let job = SlurmJobState(host: name, hostFile: host.name, settings: settings, slurm: { words in
            queries.enter()
            defer { queries.leave() }
            return Self.slurmCommand(words, host: host, clients: clients)
        })
        self.job = job
        var srun = ["--ntasks=1", "--cpus-per-task=\(host.slots)", "--job-name=\(jobName)"] + settings.arguments
        // Without a shared home srun copies the binary to the node and runs that copy: into
        // /tmp/ as slurm_bcast_JOB.STEP_NODE, a file of this worker's own (a shared name would be
        // rewritten under a running worker of the same node: "Text file busy"), which the
        // worker removes as it starts (`--broadcast-copy`).
        if !settings.sharedHome { srun.append("--bcast=\(Self.broadcastFolder)") }
        let worker = ["worker", "--slots", String(host.slots), "--heartbeat", String(heartbeat)]
            + (settings.sharedHome ? [] : ["--broadcast-copy"])
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
            let cache = settings.sharedHome ? LocalCache(binary: binary, dataFiles: dataFiles, home: home) : nil
            localCache = cache
            let launcher = clients.map { (executable: $0 + "/srun", prefix: [String]()) } ?? Self.srunLauncher
            inner = LocalTransport(hostName: name, executable: launcher.executable,
                                   arguments: launcher.prefix + srun + [cache?.binaryPath ?? binary.path] + worker,
                                   slots: host.slots, stderrLine: job.read, failure: job.failure, explain: job.explain)
        }
    }

    /// How a local srun is started: under `setpriv --pdeathsig TERM` (util-linux) where there
    /// is one, so that srun gets SIGTERM when the coordinator dies (kill -9) and takes its Slurm
    /// job along (a queued one is withdrawn); else, with nobody left to scancel it, a queued srun
    /// waits on and a running one keeps its job. The signal follows the thread that spawned
    /// srun: the transport's own thread, which lives as long as the coordinator (`TransportThread`).
    static let srunLauncher: (executable: String, prefix: [String]) =
        FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv")
            ? ("/usr/bin/setpriv", ["--pdeathsig", "TERM", "--", "srun"]) : ("/usr/bin/env", ["srun"])

    /// Where `srun --bcast` puts the binary on a node without a shared home (a folder: srun
    /// names the copy `slurm_bcast_JOB.STEP_NODE`).
    public static let broadcastFolder = "/tmp/"

    /// One transport per worker the host file asks for.
    public static func workers(of host: HostFile, launch: String, binary: (path: String, hash: String),
                               dataFiles: @escaping @Sendable (RunRequest) -> [DataFile]) -> [SlurmTransport] {
        // One thread for the cluster: its workers' sruns are submitted in worker order (c.1's job
        // first), and one copy of the binary is made, as when the loop started them one by one.
        let thread = TransportThread(name: "sweep-slurm-\(host.name)")
        return (1...(host.slurm?.workers ?? 1)).map {
            SlurmTransport(host: host, worker: $0, launch: launch, binary: binary, heartbeat: 2, dataFiles: dataFiles,
                           clients: nil, home: FileManager.default.homeDirectoryForCurrentUser.path, thread: thread)
        }
    }

    public var placementKind: String { SlurmSettings.name }

    public var readyLimit: Duration? { .seconds(settings.pendingLimit) }

    public var timeLimit: Duration? { settings.timeLimit.map { .seconds($0) } }

    public var readyLimitReason: String {
        let id = job.id.map { "Slurm job \($0)" } ?? "Slurm job \(jobName)"
        return "\(id) did not start within pending_limit (\(settings.pendingLimit) s): it waited in the queue "
            + "(see squeue --name=\(jobName) for the reason); free the partition, change slurm_args or raise "
            + "pending_limit in the host file of \(host.name)"
    }

    /// Returns at once: the binary is copied into a shared home's cache and srun started on the
    /// transport's thread; a failure there is posted as `.startFailed` with what `start` would
    /// have thrown. The worker says `ready` only once both are done.
    public func start(events: EventQueue) throws {
        // A job Slurm will never start, or that it lost (see `SlurmJobState.watch`), ends this connection at once.
        job.begin(events: events, refuse: { [weak self] in self?.abort() })
        self.events.withLock { $0 = events }
        let localCache = localCache, inner = inner, name = hostName
        thread.run {
            do {
                try localCache?.ensureBinary()
                try inner.start(events: events)
            } catch {
                events.post(.startFailed(host: name, reason: "\(error)"))
            }
        }
    }

    /// With a shared home, a `run` is forwarded from the transport's thread once the job's data
    /// files are hashed and copied there (and every later message after it, in order); true
    /// then means queued. A copy that fails ends the connection, so the attempt is retried.
    public func send(_ message: CoordinatorMessage) -> Bool {
        guard let localCache else { return inner.send(message) }
        let inner = inner
        thread.run {
            if case .run(let request) = message {
                do {
                    try localCache.ensure(request)
                } catch {
                    // The job cannot find its files on the node; end the connection so its attempt is retried.
                    inner.abort()
                    return
                }
            }
            _ = inner.send(message)
        }
        return true
    }

    public func close() {
        // A worker still queued has nothing to finish; and srun waiting for a job the controller
        // lost would not end when scancel finds nothing to cancel.
        let pending = job.isPending
        job.end()
        let inner = inner
        thread.run { if pending { inner.abort() } else { inner.close() } }
        cancelJob()
    }

    /// Kills at once what runs, and again after the steps already queued (a start not yet run).
    public func abort() {
        job.end()
        let inner = inner
        inner.abort()
        thread.run { inner.abort() }
        cancelJob()
    }

    /// Waits for the transport's thread to run what was queued (the last `scancel` above all:
    /// no Slurm job may outlive the sweep), for as long as `scancel` may take (16 s) even past
    /// `deadline`, then for the connection and the watcher's queries until `deadline`.
    public func waitUntilClosed(deadline: ContinuousClock.Instant) {
        _ = thread.waitForSteps(until: max(deadline, .now + .seconds(16)))
        inner.waitUntilClosed(deadline: deadline)
        _ = queries.wait(timeout: .now() + max(0, ContinuousClock.now.duration(to: deadline).seconds))
    }

    /// `scancel --name=JOB` on the transport's thread: whatever this worker's job is doing
    /// (waiting in the queue, or running after its stdin closed), it leaves the queue.
    /// scancel takes a few tens of milliseconds, bounded by Slurm's own message timeout, or
    /// 15 s over SSH; its end is posted as `.released`, with the problem if it failed.
    private func cancelJob() {
        let words = ["scancel", "--quiet", "--name=\(jobName)"], host = host, clients = clients, name = hostName
        let check = "see squeue --name=\(jobName)"
        let events = self.events.withLock { $0 }
        thread.run {
            let problem: String?
            switch Self.slurmCommand(words, host: host, clients: clients) {
            case .none:
                problem = "\(words.joined(separator: " ")) could not run; \(check)"
            case .some(let result) where result.status != 0:
                problem = "\(words.joined(separator: " ")) exited with status \(result.status)"
                    // Its output is the cluster's words: one line, cut, like any message stored.
                    + (result.output.isEmpty ? "" : ": " + TerminalText.oneLine(result.output, limit: 500)) + "; \(check)"
            case .some:
                problem = nil
            }
            events?.post(.released(host: name, problem: problem))
        }
    }

    /// Runs a Slurm client (`scancel`, `squeue`, `srun --test-only`) where this cluster's
    /// srun runs: here, or on the login node over a session of its own (bounded by 15 s).
    /// - Parameter clients: the folder to take the client from instead of `PATH` (tests' stand-ins).
    /// - Returns: its exit status and output (stdout, then stderr); nil if it could not run.
    static func slurmCommand(_ arguments: [String], host: HostFile, clients: String? = nil) -> (status: Int32, output: String)? {
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
        let command = clients.map { (executable: $0 + "/" + arguments[0], arguments: Array(arguments.dropFirst())) }
            ?? (executable: "/usr/bin/env", arguments: arguments)
        guard let child = try? ChildProcess.spawn(executable: command.executable, arguments: command.arguments) else { return nil }
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
        // Each worker's transport thread may copy the same file at the same time: a temporary of its own.
        let temporary = target + ".tmp-\(getpid())-\(UUID().uuidString.prefix(8))"
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
