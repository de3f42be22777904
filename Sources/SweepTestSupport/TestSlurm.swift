import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A throw-away Slurm cluster for integration tests: munged with its own key and socket,
/// slurmctld and one slurmd per node in the foreground as this process's children, all state
/// in a fresh temporary directory, on ports the kernel just handed out (so two fixtures do not
/// meet).
///
/// One node (the default) is this machine (`hostname -s`, `nproc` CPUs). With `nodes: N > 1`
/// the cluster has nodes `n1` ... `nN`, `cpusPerNode` CPUs each, all on this machine: Debian's
/// Slurm is built with `MULTIPLE_SLURMD`, so each `slurmd -N nX` is a node of its own with its
/// own port, spool directory, pid and log file (`%n` in slurm.conf). `crashNode` kills one like
/// a power cut and `bringBack` starts it again. All nodes are in one partition, `debug` (with
/// `preemption`, also in `urgent`, whose jobs cancel `debug`'s to take their CPUs); jobs are
/// given cores, not memory (`CR_Core`), so as many one-CPU jobs run at once as there are CPUs. Slurm's
/// clients (`srun`, `squeue`, `scancel`, `sinfo`) find this cluster through `SLURM_CONF`:
/// pass `environment` to every process that runs them. `stop()` (or `deinit`) cancels what is
/// still queued, stops the daemons and kills whatever they left. Debian packages:
/// `slurmd slurmctld slurm-client munge` (Slurm 22.05).
public final class TestSlurm: @unchecked Sendable {
    // @unchecked: the pids are only touched by the test that owns the cluster, one call at a time.

    /// The temporary directory holding every file; removed by `stop()`.
    public let directory: URL
    /// The `slurm.conf` the clients must read.
    public let configPath: String
    /// This machine's short host name: the one node's name, or every node's `NodeHostname`.
    public let nodeName: String
    /// The nodes' names, as attempts record them (`SLURMD_NODENAME`): `[nodeName]`, or `n1` ... `nN`.
    public let nodes: [String]
    /// Each node's CPUs.
    public let cpus: Int
    /// `SLURM_CONF` for processes that talk to this cluster.
    public var environment: [String: String] { ["SLURM_CONF": configPath] }

    private var pids: [pid_t] = []
    private var stopped = false
    /// With several nodes: each running slurmd's pid by node (a crashed node has none).
    private var slurmds: [String: pid_t] = [:]
    private var multiple: Bool { nodes.count > 1 }
    private let preemption: Bool
    /// Folders each node must not see (`hiding`), by node.
    private let hidden: [String: [String]]

    /// Whether the Slurm and munge binaries are installed (tests skip when they are not).
    public static var isInstalled: Bool {
        ["/usr/sbin/munged", "/usr/sbin/slurmctld", "/usr/sbin/slurmd", "/usr/bin/srun", "/usr/bin/squeue", "/usr/bin/scancel"]
            .allSatisfy { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Writes the key and configuration, starts munged, slurmctld and slurmd (one per node), and
    /// waits (at most `timeout` seconds) until `sinfo` shows every node idle.
    /// - Parameters:
    ///   - nodes: 1 (this machine as the node), or more: `n1` ... `nN` on this machine.
    ///   - cpusPerNode: with several nodes, each one's CPUs.
    ///   - preemption: a second partition, `urgent`, on the same nodes, whose jobs preempt
    ///     `debug`'s (`PreemptType=preempt/partition_prio`, `PreemptMode=CANCEL`).
    ///   - hiding: with several nodes, folders a node must not see, by node name: its slurmd
    ///     runs in a mount namespace of its own with an empty tmpfs over each, so its steps and
    ///     tasks miss what is there, as a compute node without the login node's home would.
    public init(nodes count: Int = 1, cpusPerNode: Int = 1, preemption: Bool = false,
                hiding: [String: [String]] = [:], timeout: Double = 60) throws {
        precondition(count >= 1 && cpusPerNode >= 1)
        precondition(hiding.isEmpty || count > 1, "hiding needs a cluster of several nodes")
        self.preemption = preemption
        hidden = hiding
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("sweep-slurm-\(UUID().uuidString.prefix(8))")
        configPath = directory.appendingPathComponent("slurm.conf").path
        var name = [CChar](repeating: 0, count: 256)
        gethostname(&name, name.count - 1)
        nodeName = String(String(cString: name).prefix { $0 != "." })
        nodes = count == 1 ? [nodeName] : (1...count).map { "n\($0)" }
        cpus = count == 1 ? ProcessInfo.processInfo.activeProcessorCount : cpusPerNode
        for folder in ["state", "spool"] {
            try FileManager.default.createDirectory(at: directory.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        do {
            try startMunge()
            try writeConfig()
            pids.append(try TestSSHD.spawn("/usr/sbin/slurmctld", ["-D", "-i", "-f", configPath], log: path("slurmctld.out"),
                                           environment: environment, ownGroup: true))
            if multiple {
                for node in nodes { try startSlurmd(node) }
            } else {
                pids.append(try TestSSHD.spawn("/usr/sbin/slurmd", ["-D", "-f", configPath], log: path("slurmd.out"),
                                               environment: environment, ownGroup: true))
            }
            try waitUntilIdle(nodes, timeout: timeout)
        } catch {
            stop()
            throw error
        }
    }

    deinit {
        stop()
    }

    /// Crashes a node as a power cut would: kill -9 of its slurmd, of its step daemons
    /// (`slurmstepd`, found by the node's log file they hold open) and of every process they
    /// run (found by `SLURMD_NODENAME` and this cluster's `SLURM_CONF` in their environment)
    /// and their descendants. Nothing tells slurmctld: it marks the node down once it stops
    /// answering (`SlurmdTimeout`, 10 s here), and srun's on that node then end with
    /// "Node failure". Returns the pids killed besides slurmd.
    @discardableResult
    public func crashNode(_ name: String) -> [pid_t] {
        precondition(multiple && nodes.contains(name), "crashNode needs a cluster of several nodes and one of its nodes")
        guard let slurmd = slurmds.removeValue(forKey: name) else { return [] }
        kill(slurmd, SIGKILL)
        Self.waitForChild(slurmd)
        let log = URL(fileURLWithPath: path("slurmd-\(name).log")).resolvingSymlinksInPath().path
        let task = [Array("SLURMD_NODENAME=\(name)\0".utf8), Array("SLURM_CONF=\(configPath)\0".utf8)]
        let processes = Self.processes()
        let me = getpid()
        var victims = Set(processes.keys.filter { pid in
            guard pid != me else { return false }
            if Self.holdsOpen(pid, log) { return true }
            guard let environ = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { return false }
            let bytes = [UInt8](environ)
            return task.allSatisfy { bytes.firstRange(of: $0) != nil }
        })
        // Their descendants, whatever environment they were given.
        var grew = true
        while grew {
            let more = processes.filter { !victims.contains($0.key) && victims.contains($0.value) }.map(\.key)
            grew = !more.isEmpty
            victims.formUnion(more)
        }
        // All at once, as a power cut: stopped first, so none sees another die (a shell whose
        // child was killed first would exit 137 as if by its own choice).
        for pid in victims { kill(pid, SIGSTOP) }
        for pid in victims { kill(pid, SIGKILL) }
        return victims.sorted()
    }

    /// Starts a crashed node's slurmd again and waits (at most `timeout` seconds) until the
    /// node is idle (`ReturnToService=2`: a node that was marked down returns when it registers),
    /// unless `waitUntilIdle` is false (jobs may take the node at once).
    public func bringBack(_ name: String, waitUntilIdle wait: Bool = true, timeout: Double = 60) throws {
        precondition(multiple && nodes.contains(name), "bringBack needs a cluster of several nodes and one of its nodes")
        guard slurmds[name] == nil else { return }
        try startSlurmd(name)
        if wait { try waitUntilIdle([name], timeout: timeout) }
    }

    /// Drains a node (`scontrol update State=DRAIN`): what runs there goes on, nothing new starts.
    public func drain(_ name: String, reason: String = "test") throws {
        try run("scontrol", ["update", "NodeName=\(name)", "State=DRAIN", "Reason=\(reason)"])
    }

    /// Returns a drained node to service (`State=RESUME`).
    public func resume(_ name: String) throws {
        try run("scontrol", ["update", "NodeName=\(name)", "State=RESUME"])
    }

    /// The node each running job is on: `(job id, name, node list)` as `squeue` shows them.
    public func running() throws -> [(id: String, name: String, nodes: String)] {
        try run("squeue", ["-h", "-t", "RUNNING", "-o", "%i|%j|%N"]).split(separator: "\n").compactMap { line in
            let fields = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            return fields.count == 3 ? (fields[0], fields[1], fields[2]) : nil
        }
    }

    /// Each node's state as `sinfo` shows it (`idle`, `allocated`, `down*`, ...).
    public func nodeStates() throws -> [String: String] {
        var states: [String: String] = [:]
        for line in try run("sinfo", ["-h", "-N", "-o", "%N %T"]).split(separator: "\n") {
            let fields = line.split(separator: " ")
            if fields.count == 2 { states[String(fields[0])] = String(fields[1]) }
        }
        return states
    }

    /// Runs a Slurm client (`squeue`, `scancel`, `sinfo`, ...) against this cluster; its stdout.
    @discardableResult
    public func run(_ tool: String, _ arguments: [String]) throws -> String {
        try TestSSHD.runTool("/usr/bin/\(tool)", arguments, environment: environment)
    }

    /// The cluster's queue as `squeue` shows it: one `(job id, name, state)` per job still
    /// pending, running or completing.
    public func queue() throws -> [(id: String, name: String, state: String)] {
        try run("squeue", ["-h", "-o", "%i|%j|%T"]).split(separator: "\n").compactMap { line in
            let fields = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            return fields.count == 3 ? (fields[0], fields[1], fields[2]) : nil
        }
    }

    /// Waits (at most `timeout` seconds) until the queue is empty; true if it became empty.
    public func waitForEmptyQueue(timeout: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if (try? queue().isEmpty) == true { return true }
            usleep(200_000)
        }
        return (try? queue().isEmpty) == true
    }

    /// Cancels every job, stops the daemons, kills what they left (step daemons and tasks,
    /// found by this cluster's `SLURM_CONF` in their environment) and removes the directory.
    /// Also after a start that failed half-way (munged up, slurmctld not): what did start and
    /// the directory go all the same. Once only.
    public func stop() {
        guard !stopped else { return }
        stopped = true
        if !pids.isEmpty {
            _ = try? run("scancel", ["--full", "--quiet", "--user", String(getuid())])
            _ = waitForEmptyQueue(timeout: 5)
        }
        let daemons = Array(slurmds.values) + pids.reversed()
        for pid in daemons { kill(pid, SIGTERM) }
        for pid in daemons { Self.waitForChild(pid) }
        pids = []
        slurmds = [:]
        for pid in leftovers() { kill(pid, SIGKILL) }
        // munged daemonized (init is its parent): wait by its pid while that is still munged
        // (pids are reused quickly on a busy machine).
        if let munged = try? String(contentsOfFile: path("munged.pid"), encoding: .utf8),
           let pid = pid_t(munged.trimmingCharacters(in: .whitespacesAndNewlines)), isOurMunged(pid) {
            kill(pid, SIGTERM)
            let deadline = Date().addingTimeInterval(10)
            while isOurMunged(pid) {
                if Date() > deadline { kill(pid, SIGKILL) }
                usleep(20_000)
            }
        }
        // Only now: a daemon still shutting down would write its state and logs again.
        try? FileManager.default.removeItem(at: directory)
    }

    /// Waits until the child `pid` has exited (reaped here, or already by Foundation's child
    /// monitor: then waitpid fails); SIGKILL after 10 s.
    private static func waitForChild(_ pid: pid_t) {
        let deadline = Date().addingTimeInterval(10)
        var status: Int32 = 0
        while waitpid(pid, &status, WNOHANG) == 0 {
            if Date() > deadline { kill(pid, SIGKILL) }
            usleep(20_000)
        }
    }

    private func isOurMunged(_ pid: pid_t) -> Bool {
        guard let line = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
        return String(decoding: line, as: UTF8.self).contains(path("munge.sock"))
    }

    private func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// One node's slurmd (several nodes): `slurmd -N NAME`, its output in `slurmd-NAME.out`.
    /// A node with folders to hide starts through `unshare --mount`: a shell mounts an empty
    /// tmpfs over each, then execs slurmd (so the pid is slurmd's, and what it starts inherits
    /// the namespace).
    private func startSlurmd(_ name: String) throws {
        let slurmd = ["/usr/sbin/slurmd", "-D", "-N", name, "-f", configPath]
        guard let folders = hidden[name], !folders.isEmpty else {
            slurmds[name] = try TestSSHD.spawn(slurmd[0], Array(slurmd.dropFirst()), log: path("slurmd-\(name).out"),
                                               environment: environment, ownGroup: true)
            return
        }
        // "$@" is the folders, then "--", then slurmd's words.
        let script = #"while [ "$1" != -- ]; do mount -t tmpfs -o size=1m,mode=755 sweep-hidden "$1" || exit 97; shift; done; shift; exec "$@""#
        slurmds[name] = try TestSSHD.spawn("/usr/bin/unshare", ["--mount", "--propagation", "private", "--", "/bin/sh", "-c", script, "sh"]
                                               + folders + ["--"] + slurmd,
                                           log: path("slurmd-\(name).out"), environment: environment, ownGroup: true)
    }

    /// Kills slurmctld with SIGKILL, as a crash would, and starts it again from its saved
    /// state (`StateSaveLocation`); waits (at most `timeout` seconds) until it answers
    /// `sinfo` and every running node has registered again (no longer `unknown`). What runs
    /// on the nodes goes on meanwhile; clients retry or fail while it is down.
    /// - Parameters:
    ///   - down: seconds to leave it down before the restart.
    ///   - losingState: start it with `-c`, as if it had crashed before saving anything: it
    ///     knows no job (it kills the steps the nodes still run, and srun's still queued wait
    ///     for a job that no longer exists).
    public func restartController(down: Double = 0, losingState: Bool = false, timeout: Double = 60) throws {
        precondition(!pids.isEmpty, "the cluster is stopped")
        kill(pids[0], SIGKILL)
        Self.waitForChild(pids[0])
        if down > 0 { usleep(UInt32(down * 1_000_000)) }
        pids[0] = try TestSSHD.spawn("/usr/sbin/slurmctld", ["-D", "-i"] + (losingState ? ["-c"] : []) + ["-f", configPath],
                                     log: path("slurmctld.out"), environment: environment, ownGroup: true)
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if waitpid(pids[0], nil, WNOHANG) != 0 { throw TestSSHDError(message: "slurmctld exited after its restart: " + logs()) }
            let up = multiple ? Array(slurmds.keys) : nodes
            if let states = try? nodeStates(), up.allSatisfy({ states[$0].map { !$0.hasPrefix("unknown") && !$0.hasSuffix("*") } ?? false }) {
                return
            }
            usleep(200_000)
        }
        throw TestSSHDError(message: "slurmctld did not answer within \(Int(timeout)) s of its restart: " + logs())
    }

    /// Whether slurmctld's saved state (`StateSaveLocation/job_state`, written a few seconds
    /// after a change) holds a job named `name`: a crash from then on does not lose it.
    public func hasSaved(job name: String) -> Bool {
        guard let bytes = FileManager.default.contents(atPath: path("state/job_state")) else { return false }
        return [UInt8](bytes).firstRange(of: Array(name.utf8)) != nil
    }

    /// Every process's parent, by pid (from `/proc/PID/stat`).
    private static func processes() -> [pid_t: pid_t] {
        var parents: [pid_t: pid_t] = [:]
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = pid_t(entry), let stat = FileManager.default.contents(atPath: "/proc/\(entry)/stat") else { continue }
            // "PID (COMMAND) STATE PPID ...": the command may hold spaces and parentheses.
            let text = String(decoding: stat, as: UTF8.self)
            guard let close = text.lastIndex(of: ")") else { continue }
            let fields = text[text.index(after: close)...].split(separator: " ")
            if fields.count > 1, let parent = pid_t(fields[1]) { parents[pid] = parent }
        }
        return parents
    }

    /// Whether `pid` has `file` open.
    private static func holdsOpen(_ pid: pid_t, _ file: String) -> Bool {
        let folder = "/proc/\(pid)/fd"
        return ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).contains {
            (try? FileManager.default.destinationOfSymbolicLink(atPath: folder + "/" + $0)) == file
        }
    }

    /// munged as root needs `--force`; it daemonizes and writes its pid file.
    private func startMunge() throws {
        var key = [UInt8](repeating: 0, count: 1024)
        for i in key.indices { key[i] = UInt8.random(in: 0...255) }
        guard FileManager.default.createFile(atPath: path("munge.key"), contents: Data(key), attributes: [.posixPermissions: 0o600])
        else { throw TestSSHDError(message: "cannot write \(path("munge.key"))") }
        // Its output goes to a file, not a pipe: the daemon keeps what it inherits open.
        let pid = try TestSSHD.spawn("/usr/sbin/munged", [
            "--force", "--socket=\(path("munge.sock"))", "--key-file=\(path("munge.key"))",
            "--pid-file=\(path("munged.pid"))", "--log-file=\(path("munged.log"))", "--seed-file=\(path("munge.seed"))",
        ], log: path("munged.out"), ownGroup: true)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        guard status == 0 else {
            throw TestSSHDError(message: "munged failed: " + ((try? String(contentsOfFile: path("munged.out"), encoding: .utf8)) ?? ""))
        }
    }

    private func writeConfig() throws {
        var ports: [Int] = []
        while ports.count < 1 + nodes.count {
            let port = try TestSSHD.freePort()
            if !ports.contains(port) { ports.append(port) }
        }
        let controllerPort = ports[0]
        // Job ids start at a random number (FirstJobId, below): what Slurm names after a job
        // (srun --bcast's /tmp/slurm_bcast_JOB.STEP_NODE) is then this cluster's alone, not
        // also that of a cluster another test run started at the same time.
        // One slurmd: this machine, on SlurmdPort. Several: each node on its own port, its files
        // named after it (%n); a node that stops answering is down after 10 s, not 300.
        let own = multiple ? "-%n" : ""
        let nodeLines = multiple
            ? zip(nodes, ports.dropFirst()).map { "NodeName=\($0) NodeHostname=\(nodeName) NodeAddr=127.0.0.1 CPUs=\(cpus) Port=\($1) State=UNKNOWN" }
                .joined(separator: "\n")
            : "NodeName=\(nodeName) CPUs=\(cpus) State=UNKNOWN"
        // With preemption a job of `urgent` cancels the `debug` job it needs the CPUs of.
        let partitions = preemption ? """
            PreemptType=preempt/partition_prio
            PreemptMode=CANCEL
            PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP PriorityTier=1
            PartitionName=urgent Nodes=ALL MaxTime=INFINITE State=UP PriorityTier=2
            """ : "PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP"
        let config = """
            ClusterName=sweeptest\(directory.lastPathComponent.suffix(8).lowercased())
            SlurmctldHost=\(nodeName)
            AuthType=auth/munge
            AuthInfo=socket=\(path("munge.sock"))
            CredType=cred/munge
            ProctrackType=proctrack/pgid
            TaskPlugin=task/none
            SelectType=select/cons_tres
            SelectTypeParameters=CR_Core
            SlurmUser=root
            SlurmdUser=root
            SlurmctldPort=\(controllerPort)
            \(multiple ? "SlurmdTimeout=10" : "SlurmdPort=\(ports[1])")
            StateSaveLocation=\(path("state"))
            SlurmdSpoolDir=\(path("spool"))\(multiple ? "/%n" : "")
            SlurmctldPidFile=\(path("slurmctld.pid"))
            SlurmdPidFile=\(path("slurmd\(own).pid"))
            SlurmctldLogFile=\(path("slurmctld.log"))
            SlurmdLogFile=\(path("slurmd\(own).log"))
            ReturnToService=2
            MpiDefault=none
            KillWait=2
            FirstJobId=\(Int.random(in: 1_000...60_000_000))
            \(nodeLines)
            \(partitions)

            """
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    /// Waits until each of `names` is idle; throws if a daemon exits meanwhile.
    private func waitUntilIdle(_ names: [String], timeout: Double) throws {
        let deadline = Date().addingTimeInterval(timeout)
        var last: [String: String] = [:]
        while Date() < deadline {
            for pid in pids + slurmds.values where waitpid(pid, nil, WNOHANG) != 0 {
                throw TestSSHDError(message: "a Slurm daemon exited: " + logs())
            }
            last = (try? nodeStates()) ?? last
            if names.allSatisfy({ last[$0] == "idle" }) { return }
            usleep(200_000)
        }
        let states = names.map { "\($0) \(last[$0] ?? "?")" }.joined(separator: ", ")
        throw TestSSHDError(message: "Slurm nodes not idle after \(Int(timeout)) s (sinfo: \(states)): " + logs())
    }

    private func logs() -> String {
        (["slurmctld.out", "slurmd.out"] + nodes.map { "slurmd-\($0).out" })
            .map { (try? String(contentsOfFile: path($0), encoding: .utf8)) ?? "" }
            .joined(separator: "\n").suffix(2000).description
    }

    /// Processes started for this cluster that outlived its daemons (slurmstepd and its tasks).
    private func leftovers() -> [pid_t] {
        let marker = Array("SLURM_CONF=\(configPath)\0".utf8)
        let me = getpid()
        return ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { entry in
            guard let pid = pid_t(entry), pid != me,
                  let environ = FileManager.default.contents(atPath: "/proc/\(entry)/environ") else { return nil }
            return [UInt8](environ).firstRange(of: marker) != nil ? pid : nil
        }
    }
}
