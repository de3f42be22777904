/// Where and how to connect: a host (or `~/.ssh/config` alias) plus overrides and policies.
///
/// Values left `nil` come from the SSH configuration file (`User`, `Port`, `HostName`,
/// `IdentityFile`, `ProxyJump`, `UserKnownHostsFile`) and then from libssh's defaults, the way
/// `ssh` resolves them. Explicit values here win over the configuration file.
public struct SSHTarget: Sendable, Hashable {
    /// What to do with a host whose key is not in known_hosts yet.
    public enum HostKeyPolicy: Sendable, Hashable {
        /// Refuse unknown hosts; the error carries the fingerprint to verify.
        case strict
        /// Record an unknown host's key in known_hosts and connect (trust on first use).
        /// A *changed* key is still refused.
        case acceptNew
    }

    /// Host name, address or `Host` alias from the configuration file.
    public var host: String
    /// TCP port; `nil` means the configuration's `Port`, else 22.
    public var port: Int?
    /// Remote user; `nil` means the configuration's `User`, else the local user.
    public var user: String?
    /// A private key tried after ssh-agent and the default identities.
    public var identityFile: String?
    /// The SSH configuration file to read; `nil` reads the user's own `config` in the SSH
    /// directory (`~/.ssh/config`) and `/etc/ssh/ssh_config`, honoured as `ssh` does. A file
    /// named here is treated as data: sweep reads it itself and refuses anything that could run a
    /// command (`SSHConfigFile`).
    public var configFile: String?
    /// The known_hosts file to check and update; `nil` uses the configuration or `~/.ssh/known_hosts`.
    public var knownHostsFile: String?
    /// The directory holding default identities (`id_ed25519`, ...); `nil` means `~/.ssh`.
    public var sshDirectory: String?
    /// Whether to try keys held by ssh-agent (`SSH_AUTH_SOCK`) first.
    public var useAgent: Bool
    /// What to do with a host whose key is not in known_hosts.
    public var hostKeyPolicy: HostKeyPolicy
    /// Time allowed for the TCP connect and for each blocking SSH exchange.
    public var timeout: Duration
    /// How often a session with open exec channels sends a keepalive (`SSH_MSG_IGNORE`); a
    /// peer that leaves TCP data unacknowledged for three intervals is declared dead.
    public var keepaliveInterval: Duration

    /// Creates a target; only `host` is required.
    public init(
        host: String, port: Int? = nil, user: String? = nil, identityFile: String? = nil,
        configFile: String? = nil, knownHostsFile: String? = nil, sshDirectory: String? = nil,
        useAgent: Bool = true, hostKeyPolicy: HostKeyPolicy = .strict,
        timeout: Duration = .seconds(10), keepaliveInterval: Duration = .seconds(15)
    ) {
        precondition(!host.isEmpty, "SSHTarget needs a host")
        precondition(port.map { (1...65535).contains($0) } ?? true, "SSH port \(port!) out of range")
        precondition(timeout > .zero && keepaliveInterval > .zero, "SSH timeouts must be positive")
        self.host = host
        self.port = port
        self.user = user
        self.identityFile = identityFile
        self.configFile = configFile
        self.knownHostsFile = knownHostsFile
        self.sshDirectory = sshDirectory
        self.useAgent = useAgent
        self.hostKeyPolicy = hostKeyPolicy
        self.timeout = timeout
        self.keepaliveInterval = keepaliveInterval
    }

    /// `user@host:port` with whatever parts are known before the configuration is applied.
    var displayName: String {
        (user.map { "\($0)@" } ?? "") + host + (port.map { ":\($0)" } ?? "")
    }
}

extension SSHTarget {
    /// Parses `[user@]host[:port]` (IPv6 addresses in brackets: `[::1]:2222`), as typed after
    /// `sweep hosts add NAME --ssh`; other settings take their defaults and can be changed after.
    /// - Throws: `SSHError` of kind `.configuration` that quotes `text` and the expected form.
    public init(parsing text: String) throws {
        func invalid(_ reason: String) -> SSHError {
            SSHError(
                kind: .configuration, function: "SSHTarget(parsing:)",
                message: "'\(text)' is not [user@]host[:port]: \(reason)", host: text)
        }
        var rest = Substring(text)
        var user: String?
        if let at = rest.lastIndex(of: "@") {
            user = String(rest[..<at])
            rest = rest[rest.index(after: at)...]
            guard !user!.isEmpty else { throw invalid("empty user name before '@'") }
        }
        var host = rest
        var portText: Substring?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw invalid("missing ']' after an IPv6 address") }
            host = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw invalid("expected ':port' after ']'") }
                portText = after.dropFirst()
            }
        } else if let colon = rest.firstIndex(of: ":") {
            host = rest[..<colon]
            portText = rest[rest.index(after: colon)...]
        }
        guard !host.isEmpty else { throw invalid("empty host name") }
        guard !host.contains(where: { $0 == " " || $0 == "/" }) else { throw invalid("host contains ' ' or '/'") }
        var port: Int?
        if let portText {
            guard let value = Int(portText), (1...65535).contains(value) else {
                throw invalid("port '\(portText)' is not a number from 1 to 65535")
            }
            port = value
        }
        self.init(host: String(host), port: port, user: user)
    }
}
