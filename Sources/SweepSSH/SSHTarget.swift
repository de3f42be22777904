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
    /// The SSH configuration file to read; `nil` reads `~/.ssh/config` and `/etc/ssh/ssh_config`.
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
    /// How often an idle session sends a keepalive; a peer that stops acknowledging TCP
    /// data for three intervals is declared dead.
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
