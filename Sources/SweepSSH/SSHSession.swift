import CLibSSH
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// One authenticated SSH connection to one host (one `ssh_session`), confined to its own
/// thread.
///
/// Every libssh call of the session and of its channels runs on a dedicated owner thread
/// (`SSHOwnerThread`, the actor's executor), so the blocking calls never tie up Swift's
/// cooperative pool and libssh never sees two threads at once. Open channels are pumped on
/// that thread between requests, with periodic keepalives, so output arrives and a dead
/// connection is noticed while callers are merely awaiting.
///
/// The session owns the `ssh_session`, its SFTP subsystem and every channel, and frees them in
/// `close()`, which must be called: `deinit` only frees memory and asserts it was closed.
///
/// ```swift
/// let arch = try await SSHSession.withConnection(to: SSHTarget(host: "gpu-box")) { session in
///     try await session.run("uname -m").stdoutText
/// }
/// ```
public actor SSHSession {
    /// The target as given to `connect(to:)`.
    public nonisolated let target: SSHTarget
    nonisolated let owner: SSHOwnerThread

    /// The `ssh_session`; `nil` once closed. Freed by `close()` (or by `deinit` as a fallback).
    var handle: OpaquePointer?
    /// The SFTP subsystem, opened on first use and freed by `close()`.
    var sftp: sftp_session?
    /// The proxy or jump command the connection runs through, if any; killed by `close()`.
    var proxy: SSHProxyProcess?
    /// Processes incoming packets for all channels without blocking (`ssh_event_dopoll`).
    var event: OpaquePointer?
    /// Streaming channels by id; see `SSHSession+Exec.swift`.
    var channels: [Int: ExecChannelRecord] = [:]
    var nextChannelID = 0
    /// Whether the channel pump task is running.
    var isPumping = false
    /// Set once the connection died; every later operation throws it.
    var failure: SSHError?
    /// When the next keepalive is due.
    var nextKeepalive = ContinuousClock.now
    /// `user@host:port` once connected (the target's display name before).
    public private(set) var endpoint: String
    /// What `.acceptNew` recorded while connecting (`ssh-ed25519 key SHA256:... recorded in
    /// PATH`), or nil when the key was already known.
    public internal(set) var recordedHostKey: String?
    /// Scratch buffer for channel reads; allocated once, freed in `deinit`.
    let readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)

    /// Runs the actor on the owner thread.
    public nonisolated var unownedExecutor: UnownedSerialExecutor {
        owner.asUnownedSerialExecutor()
    }

    private init(target: SSHTarget) {
        self.target = target
        self.endpoint = target.displayName
        self.owner = SSHOwnerThread(name: "ssh \(target.displayName)")
    }

    /// Connects to `target`, verifies its host key against known_hosts and authenticates.
    ///
    /// Reads a named configuration file itself (`SSHConfigFile`, refusing anything that runs a
    /// command) or the user's own (`ssh_options_parse_config`), starts its proxy or jump command
    /// itself if there is one (`SSHProxyProcess`, so a failing jump's own message is reported),
    /// connects (`ssh_connect`),
    /// checks the host key (`ssh_session_is_known_server`, recording it with
    /// `ssh_session_update_known_hosts` under `.acceptNew`), then tries ssh-agent, the default
    /// identities (both via `ssh_userauth_publickey_auto`) and `target.identityFile`, in that
    /// order. On failure the half-open session is closed before the error is thrown. Ignores
    /// `SIGPIPE` process-wide (once).
    /// - Returns: A connected session; call `close()` when done.
    /// - Throws: `SSHError` of kind `.configuration`, `.connect`, `.hostKeyUnknown`,
    ///   `.hostKeyChanged`, `.hostKey` or `.authentication`.
    public static func connect(to target: SSHTarget) async throws -> SSHSession {
        ignoreSIGPIPE()
        let session = SSHSession(target: target)
        do {
            try await session.open()
        } catch {
            await session.close()
            throw error
        }
        return session
    }

    /// Connects to `target`, runs `body` with the session, and closes the session afterwards,
    /// also when `body` throws. See `connect(to:)` for what connecting does and throws.
    public static func withConnection<Result: Sendable>(
        to target: SSHTarget, _ body: @Sendable (SSHSession) async throws -> Result
    ) async throws -> Result {
        let session = try await connect(to: target)
        do {
            let result = try await body(session)
            await session.close()
            return result
        } catch {
            await session.close()
            throw error
        }
    }

    /// Ignores `SIGPIPE` for the whole process, once.
    ///
    /// libssh writes to sockets and, with `ProxyCommand`/`ProxyJump`, to pipes; a peer that
    /// vanishes must surface as an error, not kill the process. `connect(to:)` calls this; an
    /// executable may call it earlier at start-up. Calling it again does nothing.
    public static func ignoreSIGPIPE() {
        _ = processSetup
    }

    private func open() throws {
        guard let handle = ssh_new() else {
            throw SSHError(kind: .configuration, function: "ssh_new", message: "out of memory", host: endpoint)
        }
        self.handle = handle
        try configure(handle)
        do {
            try check(ssh_connect(handle), "ssh_connect", .connect)
            endpoint = resolvedEndpoint(handle)
            try verifyHostKey()
            try authenticate()
        } catch let error as SSHError {
            throw proxyFailure(error)
        }
        tuneSocket(ssh_get_fd(handle))
        event = ssh_event_new()
        guard let event, ssh_event_add_session(event, handle) == SSH_OK else {
            throw SSHError(kind: .connect, function: "ssh_event_add_session", message: "cannot watch the session socket", host: endpoint)
        }
        nextKeepalive = .now + target.keepaliveInterval
    }

    /// Applies `target` and the SSH configuration file to a fresh session.
    private func configure(_ handle: OpaquePointer) throws {
        func set(_ rc: Int32, _ option: String) throws {
            guard rc == SSH_OK else {
                throw lastError("ssh_options_set(\(option))", .configuration)
            }
        }
        try set(sweep_ssh_options_set_string(handle, SSH_OPTIONS_HOST, target.host), "HOST")
        if let user = target.user { try set(sweep_ssh_options_set_string(handle, SSH_OPTIONS_USER, user), "USER") }
        if let port = target.port { try set(sweep_ssh_options_set_uint(handle, SSH_OPTIONS_PORT, UInt32(port)), "PORT") }
        if let directory = target.sshDirectory {
            try set(sweep_ssh_options_set_string(handle, SSH_OPTIONS_SSH_DIR, directory), "SSH_DIR")
        }
        if let file = target.configFile {
            // A file named here is data (a host file's ssh_config): sweep reads it and passes on
            // only the options it understands; libssh never parses it.
            let options = try SSHConfigFile.load(file, sshDirectory: target.sshDirectory, host: endpoint)
                .options(host: target.host, user: target.user)
            try apply(options, to: handle)
        } else if ssh_options_parse_config(handle, nil) != SSH_OK {
            // The user's own ~/.ssh/config; explicit values were set first, and libssh's parser
            // only fills options still unset.
            throw lastError("ssh_options_parse_config(~/.ssh/config)", .configuration)
        }
        try set(sweep_ssh_options_set_bool(handle, SSH_OPTIONS_PROCESS_CONFIG, false), "PROCESS_CONFIG")
        if !target.useAgent {
            // libssh has no switch for the agent; a path that is not a socket makes it skip it.
            try set(sweep_ssh_options_set_string(handle, SSH_OPTIONS_IDENTITY_AGENT, "/dev/null"), "IDENTITY_AGENT")
        }
        if let knownHosts = target.knownHostsFile {
            try set(sweep_ssh_options_set_string(handle, SSH_OPTIONS_KNOWNHOSTS, knownHosts), "KNOWNHOSTS")
            // An injected known_hosts file is the only source of trust (tests, isolated setups).
            try set(sweep_ssh_options_set_string(handle, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, "/dev/null"), "GLOBAL_KNOWNHOSTS")
        }
        try set(sweep_ssh_options_set_long(handle, SSH_OPTIONS_TIMEOUT, Int(target.timeout.components.seconds)), "TIMEOUT")
        let microseconds = target.timeout.components.attoseconds / 1_000_000_000_000
        try set(sweep_ssh_options_set_long(handle, SSH_OPTIONS_TIMEOUT_USEC, Int(microseconds)), "TIMEOUT_USEC")
        // Worker messages are small lines; Nagle would add tens of milliseconds to each.
        try set(sweep_ssh_options_set_int(handle, SSH_OPTIONS_NODELAY, 1), "NODELAY")
        if let command = try proxyCommand(handle) {
            let proxy = try SSHProxyProcess(command: command)
            self.proxy = proxy
            // libssh connects over this descriptor instead of running the command itself.
            try set(sweep_ssh_options_set_int(handle, SSH_OPTIONS_FD, proxy.socket), "FD")
        }
    }

    /// Hands libssh the options a host file's ssh_config gives, where the target left them
    /// unset. A `ProxyJump` becomes the `ssh -W` command libssh 0.10 would make of it; its
    /// words were checked to be plain host, user and port words (`SSHConfigFile`).
    private func apply(_ options: SSHConfigFile.Options, to handle: OpaquePointer) throws {
        func set(_ type: ssh_options_e, _ value: String, _ name: String) throws {
            guard sweep_ssh_options_set_string(handle, type, value) == SSH_OK else {
                throw lastError("ssh_options_set(\(name))", .configuration)
            }
        }
        if let hostName = options.hostName { try set(SSH_OPTIONS_HOST, hostName, "HOST") }
        if target.user == nil, let user = options.user { try set(SSH_OPTIONS_USER, user, "USER") }
        if target.port == nil, let port = options.port {
            guard sweep_ssh_options_set_uint(handle, SSH_OPTIONS_PORT, UInt32(port)) == SSH_OK else {
                throw lastError("ssh_options_set(PORT)", .configuration)
            }
        }
        for identity in options.identityFiles { try set(SSH_OPTIONS_ADD_IDENTITY, identity, "ADD_IDENTITY") }
        if target.knownHostsFile == nil, let knownHosts = options.knownHostsFile { try set(SSH_OPTIONS_KNOWNHOSTS, knownHosts, "KNOWNHOSTS") }
        if let compression = options.compression { try set(SSH_OPTIONS_COMPRESSION, compression ? "yes" : "no", "COMPRESSION") }
        let algorithms: [String: [(ssh_options_e, String)]] = [
            "ciphers": [(SSH_OPTIONS_CIPHERS_C_S, "CIPHERS_C_S"), (SSH_OPTIONS_CIPHERS_S_C, "CIPHERS_S_C")],
            "kexalgorithms": [(SSH_OPTIONS_KEY_EXCHANGE, "KEY_EXCHANGE")],
            "hostkeyalgorithms": [(SSH_OPTIONS_HOSTKEYS, "HOSTKEYS")],
            "pubkeyacceptedalgorithms": [(SSH_OPTIONS_PUBLICKEY_ACCEPTED_TYPES, "PUBLICKEY_ACCEPTED_TYPES")],
            "pubkeyacceptedkeytypes": [(SSH_OPTIONS_PUBLICKEY_ACCEPTED_TYPES, "PUBLICKEY_ACCEPTED_TYPES")],
            "macs": [(SSH_OPTIONS_HMAC_C_S, "HMAC_C_S"), (SSH_OPTIONS_HMAC_S_C, "HMAC_S_C")],
        ]
        for (keyword, value) in options.algorithms.sorted(by: { $0.key < $1.key }) {
            for (type, name) in algorithms[keyword] ?? [] { try set(type, value, name) }
        }
        if let hops = options.proxyJump, let last = hops.last {
            let (user, host, port) = Self.splitHop(last)
            var command = "ssh"
            if let user { command += " -l \(user)" }
            if let port { command += " -p \(port)" }
            if hops.count > 1 { command += " -J " + hops.dropLast().joined(separator: ",") }
            command += " -W '[%h]:%p' \(host)"
            try set(SSH_OPTIONS_PROXYCOMMAND, command, "PROXYCOMMAND")
        }
    }

    /// `[user@]host[:port]`, the host possibly an IPv6 address in brackets.
    static func splitHop(_ hop: String) -> (user: String?, host: String, port: String?) {
        var rest = Substring(hop)
        var user: String?
        if let at = rest.firstIndex(of: "@") {
            user = String(rest[..<at])
            rest = rest[rest.index(after: at)...]
        }
        if rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
            let host = String(rest[rest.index(after: rest.startIndex)..<close])
            let after = rest[rest.index(after: close)...]
            return (user, host, after.hasPrefix(":") ? String(after.dropFirst()) : nil)
        }
        if let colon = rest.lastIndex(of: ":") {
            return (user, String(rest[..<colon]), String(rest[rest.index(after: colon)...]))
        }
        return (user, String(rest), nil)
    }

    /// The `ProxyCommand` (or the `ssh -W` command libssh made of `ProxyJump`) with its `%`
    /// escapes expanded as libssh's `ssh_path_expand_escape` does; nil when there is none.
    private func proxyCommand(_ handle: OpaquePointer) throws -> String? {
        guard let command = option(handle, SSH_OPTIONS_PROXYCOMMAND), command.lowercased() != "none" else { return nil }
        var port: UInt32 = 22
        _ = ssh_options_get_port(handle, &port)
        var expanded = ""
        var escape = false
        for character in command {
            guard escape else {
                if character == "%" { escape = true } else { expanded.append(character) }
                continue
            }
            escape = false
            switch character {
            case "h": expanded += option(handle, SSH_OPTIONS_HOST) ?? target.host
            case "p": expanded += "\(port)"
            case "r": expanded += option(handle, SSH_OPTIONS_USER) ?? ""
            case "u": expanded += ProcessInfo.processInfo.userName
            case "d": expanded += target.sshDirectory ?? NSHomeDirectory() + "/.ssh"
            case "l": expanded += ProcessInfo.processInfo.hostName
            case "%": expanded += "%"
            default:
                throw SSHError(kind: .configuration, function: "ProxyCommand",
                               message: "unknown escape %\(character) in the proxy command '\(command)'", host: endpoint)
            }
        }
        return expanded
    }

    /// A string option as libssh resolved it (`ssh_options_get`), or nil.
    func option(_ handle: OpaquePointer, _ type: ssh_options_e) -> String? {
        var value: UnsafeMutablePointer<CChar>?
        guard ssh_options_get(handle, type, &value) == SSH_OK, let value else { return nil }
        defer { ssh_string_free_char(value) }
        return String(cString: value)
    }

    /// `error`, or when the connection ran through a proxy or jump command that said why it
    /// failed, that reason: the jump's own words ("Host key verification failed.") instead of
    /// "Connection reset by peer", with the kind they imply.
    private func proxyFailure(_ error: SSHError) -> SSHError {
        guard let proxy, error.kind == .connect || error.kind == .connectionLost else { return error }
        let said = proxy.stderrTail()
        guard !said.isEmpty else { return error }
        var failure = error
        failure.message = "the jump/proxy command failed (\(proxy.command)): \(said)"
        if said.contains("Host key verification failed") || said.contains("REMOTE HOST IDENTIFICATION HAS CHANGED") {
            failure.kind = .hostKey
            failure.message = """
                host key verification failed for the jump host (\(proxy.command)): \(said) \
                Check the jump host's key: connect to it once with ssh, which records or explains it.
                """
        } else if said.contains("Permission denied") {
            failure.kind = .authentication
            failure.message = "the jump host refused the login (\(proxy.command)): \(said)"
        }
        return failure
    }

    /// `user@host:port` as libssh resolved it from the target and the configuration.
    private func resolvedEndpoint(_ handle: OpaquePointer) -> String {
        var port: UInt32 = 0
        _ = ssh_options_get_port(handle, &port)
        let user = option(handle, SSH_OPTIONS_USER) ?? target.user ?? "?"
        let host = option(handle, SSH_OPTIONS_HOST) ?? target.host
        return "\(user)@\(host):\(port)"
    }

    /// Lets the kernel notice a silent peer: TCP keepalive probes plus a bound on how long sent
    /// data (our keepalives) may stay unacknowledged. Fails harmlessly on a proxy pipe.
    private func tuneSocket(_ fd: Int32) {
        let seconds = Int32(clamping: max(1, target.keepaliveInterval.components.seconds))
        var on: Int32 = 1
        var idle = seconds
        var count: Int32 = 3
        var userTimeout = UInt32(clamping: target.keepaliveInterval.milliseconds * 3)
        let size = socklen_t(MemoryLayout<Int32>.size)
        _ = setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, size)
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_KEEPIDLE, &idle, size)
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_KEEPINTVL, &idle, size)
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_KEEPCNT, &count, size)
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_USER_TIMEOUT, &userTimeout, socklen_t(MemoryLayout<UInt32>.size))
    }

    /// Closes every channel, the SFTP subsystem and the connection, and frees them.
    ///
    /// Sends `SSH_MSG_DISCONNECT` (`ssh_disconnect`) and frees the session (`ssh_free`). Open
    /// channels' event streams end with `SSHError.Kind.closed`. Calling it again does nothing.
    public func close() {
        guard let handle else { return }
        let closed = SSHError(kind: .closed, function: "close", message: "the SSH session was closed", host: endpoint)
        finishAllChannels(with: closed)
        if let sftp { sftp_free(sftp) }
        sftp = nil
        if let event {
            _ = ssh_event_remove_session(event, handle)
            ssh_event_free(event)
        }
        event = nil
        ssh_disconnect(handle)
        ssh_free(handle)
        self.handle = nil
        proxy?.close()
        owner.wakeWaiter()
    }

    // Isolated, so it runs on the owner thread: the only thread allowed to free libssh state.
    isolated deinit {
        assert(handle == nil, "leak of open SSHSession to \(endpoint): call close()")
        // Release-build fallback: free memory only, no network I/O.
        if let sftp { sftp_free(sftp) }
        if let event { ssh_event_free(event) }
        if let handle { ssh_free(handle) }
        proxy?.close()
        readBuffer.deallocate()
    }

    /// Throws the session's connection failure, or `.closed` once closed; returns the handle.
    func liveHandle(_ function: String) throws -> OpaquePointer {
        if let failure { throw failure }
        guard let handle else {
            throw SSHError(kind: .closed, function: function, message: "the SSH session is closed", host: endpoint)
        }
        return handle
    }

    /// Returns `rc` when it is not an error (`SSH_ERROR`/`SSH_AGAIN`), else throws an
    /// `SSHError` carrying `ssh_get_error`, copied before any other libssh call.
    @discardableResult
    func check(_ rc: Int32, _ function: String, _ kind: SSHError.Kind) throws -> Int32 {
        guard rc == SSH_ERROR || rc == SSH_AGAIN else { return rc }
        throw lastError(function, kind)
    }

    /// The session's current libssh error as an `SSHError`.
    func lastError(_ function: String, _ kind: SSHError.Kind) -> SSHError {
        guard let handle else {
            return SSHError(kind: .closed, function: function, message: "the SSH session is closed", host: endpoint)
        }
        let raw = UnsafeMutableRawPointer(handle)
        let connectionDied = !isAlive(handle) && kind != .connect
        return SSHError(
            kind: connectionDied ? .connectionLost : kind, function: function,
            code: ssh_get_error_code(raw), message: String(cString: ssh_get_error(raw)), host: endpoint)
    }
}

/// One-time process set-up: libssh's global state and the `SIGPIPE` disposition.
private let processSetup: Void = {
    _ = signal(SIGPIPE, SIG_IGN)
    _ = ssh_init()
}()
