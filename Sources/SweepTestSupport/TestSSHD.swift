import CSweepShims
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A throw-away OpenSSH server on 127.0.0.1 for integration tests, with its own host key, a
/// user key authorized for the current user (root included), and a matching known_hosts file.
///
/// Everything lives in a fresh temporary directory: `sshd_config`, keys, `authorized_keys`,
/// `known_hosts`, the pid file and `sshd.log` (sshd's stderr). Nothing under `~/.ssh` is read
/// or written. Call `stop()` when done (it also kills per-connection children); `deinit` stops
/// a server that is still running as a safety net. Self-contained: depends only on
/// Foundation, `/usr/sbin/sshd` and `ssh-keygen`.
public final class TestSSHD: @unchecked Sendable {
    // @unchecked: mutable state (`pid`, the fingerprint) is only touched by the test that owns the server,
    // one call at a time.

    /// The temporary directory holding all files; removed by `stop()`.
    public let directory: URL
    /// The TCP port sshd listens on (fixed for the server's lifetime, also across restarts).
    public let port: Int
    /// Private key authorized to log in as the current user.
    public let userKeyPath: String
    /// A second private key that is *not* authorized (for wrong-key tests).
    public let unauthorizedKeyPath: String
    /// known_hosts listing the current host key as `[127.0.0.1]:port`.
    public let knownHostsPath: String
    /// An empty directory to use as the client's `~/.ssh` (no default identities).
    public let emptySSHDirectory: String
    /// The remote user name tests log in as (the current user).
    public let user: String
    /// The current host key's fingerprint, `SHA256:...`, as `ssh-keygen -l` prints it.
    public private(set) var hostKeyFingerprint: String
    /// Whether sshd offers the SFTP subsystem (minimal configurations and appliances do not).
    public let sftp: Bool
    /// A fresh directory that commands run in and see as `$HOME` instead of the user's home,
    /// so a test sees an account where nothing is cached yet; nil for the real home.
    public let home: String?
    /// Variables every session sees (`SetEnv`), e.g. `SLURM_CONF` for a test Slurm cluster.
    public let environment: [String: String]

    private let hostKeyPath: String
    /// The sshd listener, spawned directly: sshd closes every inherited descriptor at start-up,
    /// which breaks Foundation.Process's child monitoring (it then blocks in waitpid on sshd
    /// and stops reaping other children).
    private var pid: pid_t?
    /// An ssh-agent started by `startAgent()`, stopped by `stop()`.
    private var agentPID: pid_t?

    /// Creates keys and configuration, then starts sshd and waits until it accepts connections.
    /// - Parameters:
    ///   - sftp: offer the SFTP subsystem (`Subsystem sftp internal-sftp`).
    ///   - freshHome: run every command in a new empty directory as `$HOME` (`ForceCommand`),
    ///     like a fresh account: nothing under `~/.cache` from earlier tests.
    ///   - environment: variables set for every session (`SetEnv`; no spaces or quotes).
    public init(sftp: Bool = true, freshHome: Bool = false, environment: [String: String] = [:]) throws {
        self.sftp = sftp
        self.environment = environment
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("sweep-sshd-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        port = try Self.freePort()
        user = String(cString: getpwuid(geteuid()).pointee.pw_name)
        hostKeyPath = directory.appendingPathComponent("host_ed25519").path
        userKeyPath = directory.appendingPathComponent("user_ed25519").path
        unauthorizedKeyPath = directory.appendingPathComponent("stranger_ed25519").path
        knownHostsPath = directory.appendingPathComponent("known_hosts").path
        emptySSHDirectory = directory.appendingPathComponent("client-ssh").path
        try FileManager.default.createDirectory(atPath: emptySSHDirectory, withIntermediateDirectories: true)
        home = freshHome ? directory.appendingPathComponent("home").path : nil
        if let home { try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true) }
        hostKeyFingerprint = ""

        for key in [hostKeyPath, userKeyPath, unauthorizedKeyPath] {
            try Self.generateKey(at: key)
        }
        try FileManager.default.copyItem(
            atPath: userKeyPath + ".pub", toPath: directory.appendingPathComponent("authorized_keys").path)
        try writeConfig()
        hostKeyFingerprint = try Self.fingerprint(ofPublicKey: hostKeyPath + ".pub")
        try writeKnownHosts()
        try start()
    }

    deinit {
        // Also for a server left crashed: its directory goes all the same.
        stop()
    }

    /// Writes `known_hosts` with the current host key (overwriting the file).
    public func writeKnownHosts() throws {
        let publicKey = try String(contentsOfFile: hostKeyPath + ".pub", encoding: .utf8)
        let fields = publicKey.split(separator: " ")
        try "[127.0.0.1]:\(port) \(fields[0]) \(fields[1])\n"
            .write(toFile: knownHostsPath, atomically: true, encoding: .utf8)
    }

    /// Stops sshd, replaces its host key with a new one and starts it again on the same port.
    /// `known_hosts` keeps the old key.
    public func restartWithNewHostKey() throws {
        stopServer()
        try FileManager.default.removeItem(atPath: hostKeyPath)
        try FileManager.default.removeItem(atPath: hostKeyPath + ".pub")
        try Self.generateKey(at: hostKeyPath)
        hostKeyFingerprint = try Self.fingerprint(ofPublicKey: hostKeyPath + ".pub")
        try start()
    }

    /// SIGKILLs every process sshd forked (connection handlers and remote commands), which
    /// drops all connections at once while the listener keeps running.
    public func killConnections() {
        guard let pid else { return }
        for child in Self.descendants(of: pid) { kill(child, SIGKILL) }
    }

    /// Kills sshd as a crash would: its connections (and the commands they run) and the
    /// listener; `startAgain()` brings it back on the same port with the same keys.
    public func crash() {
        stopServer()
    }

    /// Starts a crashed server again (same port, keys and configuration).
    public func startAgain() throws {
        guard pid == nil else { return }
        try start()
    }

    /// Stops (SIGSTOP) or continues (SIGCONT) sshd's per-connection processes, not the
    /// commands they run: the connections stay open but nothing moves through them, as over a
    /// link that was cut, while the remote side runs on; the listener still accepts new
    /// connections. Returns how many processes were signalled.
    @discardableResult
    public func freezeConnections(_ frozen: Bool) -> Int {
        guard let pid else { return 0 }
        let connections = Self.descendants(of: pid).filter { child in
            let name = (try? String(contentsOfFile: "/proc/\(child)/comm", encoding: .utf8)) ?? ""
            return name.hasPrefix("sshd")
        }
        for child in connections { kill(child, frozen ? SIGSTOP : SIGCONT) }
        return connections.count
    }

    /// Starts an ssh-agent (`ssh-agent -D`) holding the authorized user key and returns its
    /// socket path, for use as `SSH_AUTH_SOCK`. `stop()` stops it.
    public func startAgent() throws -> String {
        precondition(agentPID == nil, "agent already started")
        let socket = directory.appendingPathComponent("agent.sock").path
        agentPID = try Self.spawn(
            "/usr/bin/ssh-agent", ["-D", "-a", socket], log: directory.appendingPathComponent("agent.log").path)
        let deadline = Date().addingTimeInterval(5)
        while !FileManager.default.fileExists(atPath: socket) {
            guard Date() < deadline else { throw TestSSHDError(message: "ssh-agent did not create \(socket)") }
            usleep(10_000)
        }
        try Self.runTool("/usr/bin/ssh-add", ["-q", userKeyPath], environment: ["SSH_AUTH_SOCK": socket])
        return socket
    }

    /// Kills connections, the listener and the agent, waits for them, and removes the directory.
    public func stop() {
        stopServer()
        if let agentPID {
            kill(agentPID, SIGTERM)
            var status: Int32 = 0
            while waitpid(agentPID, &status, 0) < 0 && errno == EINTR {}
            self.agentPID = nil
        }
        try? FileManager.default.removeItem(at: directory)
    }

    private func stopServer() {
        guard let pid else { return }
        killConnections()
        kill(pid, SIGTERM)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        self.pid = nil
    }

    private func start() throws {
        try FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true)
        let log = directory.appendingPathComponent("sshd.log").path
        if !FileManager.default.fileExists(atPath: log) {
            _ = FileManager.default.createFile(atPath: log, contents: nil)
        }
        let pid = try Self.spawn(
            "/usr/sbin/sshd", ["-D", "-e", "-f", directory.appendingPathComponent("sshd_config").path], log: log)
        self.pid = pid
        let deadline = Date().addingTimeInterval(10)
        while !Self.acceptsConnections(port: port) {
            guard waitpid(pid, nil, WNOHANG) == 0, Date() < deadline else {
                let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
                kill(pid, SIGKILL)
                self.pid = nil
                throw TestSSHDError(message: "sshd did not start on port \(port): \(output)")
            }
            usleep(10_000)
        }
    }

    private func writeConfig() throws {
        let variables: [String] = environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        let setEnv = variables.isEmpty ? "" : "SetEnv " + variables.joined(separator: " ") + "\n"
        let config = """
            Port \(port)
            ListenAddress 127.0.0.1
            HostKey \(hostKeyPath)
            PidFile \(directory.appendingPathComponent("sshd.pid").path)
            AuthorizedKeysFile \(directory.appendingPathComponent("authorized_keys").path)
            PermitRootLogin prohibit-password
            StrictModes no
            UsePAM no
            PubkeyAuthentication yes
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            PrintMotd no
            MaxStartups 64

            """
            + (sftp ? "Subsystem sftp internal-sftp\n" : "")
            + setEnv
            // The client's command runs from the fresh home, which it also sees as $HOME.
            + (home.map { "ForceCommand cd \($0) && HOME=\($0) exec /bin/sh -c \"$SSH_ORIGINAL_COMMAND\"\n" } ?? "")
        try config.write(to: directory.appendingPathComponent("sshd_config"), atomically: true, encoding: .utf8)
    }

    /// Starts `tool` with stdout and stderr appended to `log`, with this process's
    /// environment plus `environment`; `ownGroup` puts it in a process group of its own.
    static func spawn(_ tool: String, _ arguments: [String], log: String,
                      environment: [String: String] = [:], ownGroup: Bool = false) throws -> pid_t {
        // Close-on-exec: only the child's descriptors 1 and 2 (dup2'd by sweep_spawn) keep it.
        let output = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard output >= 0 else { throw TestSSHDError(message: "cannot open \(log): \(String(cString: strerror(errno)))") }
        defer { close(output) }
        let argv = ([tool] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        // A daemon outlives the test that started it: sweep_spawn closes every other descriptor,
        // so it holds no other test's pipes open (a worker whose input never ends).
        let fds: [Int32] = [-1, output, output]
        let group = ownGroup ? SWEEP_SPAWN_OWN_GROUP : SWEEP_SPAWN_SAME_GROUP
        var pid: pid_t = 0
        let rc: Int32
        if environment.isEmpty {
            rc = sweep_spawn(&pid, tool, argv, nil, fds, nil, group)
        } else {
            let variables = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            let envp = variables.map { strdup("\($0.key)=\($0.value)") } + [nil]
            defer { envp.forEach { free($0) } }
            rc = sweep_spawn(&pid, tool, argv, envp, fds, nil, group)
        }
        guard rc == 0 else { throw TestSSHDError(message: "cannot start \(tool): error \(rc)") }
        return pid
    }

    private static func generateKey(at path: String) throws {
        try runTool("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "sweep-test", "-f", path])
    }

    private static func fingerprint(ofPublicKey path: String) throws -> String {
        // "256 SHA256:abc... comment (ED25519)"
        let output = try runTool("/usr/bin/ssh-keygen", ["-l", "-E", "sha256", "-f", path])
        return String(output.split(separator: " ")[1])
    }

    @discardableResult
    public static func runTool(_ tool: String, _ arguments: [String], environment: [String: String] = [:]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TestSSHDError(message: "\(tool) \(arguments.joined(separator: " ")) failed: \(output)")
        }
        return output
    }

    /// A port the kernel just handed out for 127.0.0.1 (released again for sshd to bind).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard bound else { throw TestSSHDError(message: "cannot find a free port: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    private static func acceptsConnections(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    /// All transitive children of `root`, read from `/proc/*/stat`.
    static func descendants(of root: pid_t) -> [pid_t] {
        var parents: [pid_t: [pid_t]] = [:]
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        for entry in entries {
            guard let pid = pid_t(entry),
                  let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            // Fields after "(comm)": state, ppid, ...
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 1, let parent = pid_t(fields[1]) {
                parents[parent, default: []].append(pid)
            }
        }
        var result: [pid_t] = []
        var pending = [root]
        while let next = pending.popLast() {
            let children = parents[next] ?? []
            result += children
            pending += children
        }
        return result
    }
}

/// A failure to set up or run the test sshd.
public struct TestSSHDError: Error, CustomStringConvertible {
    /// What went wrong, with sshd's output when there is any.
    public let message: String
    public var description: String { message }
}
