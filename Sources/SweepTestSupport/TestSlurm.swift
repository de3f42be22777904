import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A throw-away single-node Slurm cluster for integration tests: munged with its own key and
/// socket, slurmctld and slurmd in the foreground as this process's children, all state in a
/// fresh temporary directory, on ports the kernel just handed out (so two fixtures do not meet).
///
/// The node is this machine (`hostname -s`, `nproc` CPUs) in one partition, `debug`; jobs are
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
    /// The node's name (this machine's short host name).
    public let nodeName: String
    /// The node's CPUs.
    public let cpus: Int
    /// `SLURM_CONF` for processes that talk to this cluster.
    public var environment: [String: String] { ["SLURM_CONF": configPath] }

    private var pids: [pid_t] = []

    /// Whether the Slurm and munge binaries are installed (tests skip when they are not).
    public static var isInstalled: Bool {
        ["/usr/sbin/munged", "/usr/sbin/slurmctld", "/usr/sbin/slurmd", "/usr/bin/srun", "/usr/bin/squeue", "/usr/bin/scancel"]
            .allSatisfy { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Writes the key and configuration, starts munged, slurmctld and slurmd, and waits (at
    /// most `timeout` seconds) until `sinfo` shows the node idle.
    public init(timeout: Double = 60) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("sweep-slurm-\(UUID().uuidString.prefix(8))")
        configPath = directory.appendingPathComponent("slurm.conf").path
        var name = [CChar](repeating: 0, count: 256)
        gethostname(&name, name.count - 1)
        nodeName = String(String(cString: name).prefix { $0 != "." })
        cpus = ProcessInfo.processInfo.activeProcessorCount
        for folder in ["state", "spool"] {
            try FileManager.default.createDirectory(at: directory.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        do {
            try startMunge()
            try writeConfig()
            pids.append(try TestSSHD.spawn("/usr/sbin/slurmctld", ["-D", "-i", "-f", configPath], log: path("slurmctld.out"),
                                           environment: environment, ownGroup: true))
            pids.append(try TestSSHD.spawn("/usr/sbin/slurmd", ["-D", "-f", configPath], log: path("slurmd.out"),
                                           environment: environment, ownGroup: true))
            try waitUntilIdle(timeout: timeout)
        } catch {
            stop()
            throw error
        }
    }

    deinit {
        if !pids.isEmpty { stop() }
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
    public func stop() {
        guard !pids.isEmpty else { return }
        _ = try? run("scancel", ["--full", "--quiet", "--user", String(getuid())])
        _ = waitForEmptyQueue(timeout: 5)
        for pid in pids.reversed() { kill(pid, SIGTERM) }
        for pid in pids.reversed() { Self.waitForChild(pid) }
        pids = []
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
        let controllerPort = try TestSSHD.freePort()
        var nodePort = try TestSSHD.freePort()
        while nodePort == controllerPort { nodePort = try TestSSHD.freePort() }
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
            SlurmdPort=\(nodePort)
            StateSaveLocation=\(path("state"))
            SlurmdSpoolDir=\(path("spool"))
            SlurmctldPidFile=\(path("slurmctld.pid"))
            SlurmdPidFile=\(path("slurmd.pid"))
            SlurmctldLogFile=\(path("slurmctld.log"))
            SlurmdLogFile=\(path("slurmd.log"))
            ReturnToService=2
            MpiDefault=none
            KillWait=2
            NodeName=\(nodeName) CPUs=\(cpus) State=UNKNOWN
            PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP

            """
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    private func waitUntilIdle(timeout: Double) throws {
        let deadline = Date().addingTimeInterval(timeout)
        var last = ""
        while Date() < deadline {
            for pid in pids where waitpid(pid, nil, WNOHANG) != 0 {
                throw TestSSHDError(message: "a Slurm daemon exited: " + logs())
            }
            last = (try? run("sinfo", ["-h", "-o", "%T"]))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? last
            if last == "idle" { return }
            usleep(200_000)
        }
        throw TestSSHDError(message: "the Slurm node is not idle after \(Int(timeout)) s (sinfo: \(last)): " + logs())
    }

    private func logs() -> String {
        ["slurmctld.out", "slurmd.out"].map { (try? String(contentsOfFile: path($0), encoding: .utf8)) ?? "" }
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
