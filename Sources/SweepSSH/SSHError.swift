/// An SSH failure: which libssh call failed, on which host, and why.
///
/// Messages are copied from `ssh_get_error` (or `sftp_get_error`) right after the failing
/// call, before any other libssh call can overwrite them. A remote command that exits with a
/// non-zero status is *not* an `SSHError`; its status is part of the command's result.
public struct SSHError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, in terms a caller can branch on.
    public enum Kind: String, Sendable, Equatable {
        /// The TCP connection or the SSH handshake failed (DNS, refused, timeout, protocol).
        case connect
        /// The host's key is not in known_hosts; `fingerprint` holds the key the host offered.
        case hostKeyUnknown
        /// The host's key differs from the one recorded in known_hosts (possible attack).
        case hostKeyChanged
        /// The host key could not be checked or recorded (unreadable known_hosts, ...).
        case hostKey
        /// Every authentication method was refused.
        case authentication
        /// Reading the SSH configuration or applying an option failed.
        case configuration
        /// Opening, writing to or reading from a channel failed.
        case channel
        /// An SFTP operation failed; `code` is the SFTP status (`SSH_FX_*`).
        case sftp
        /// A local file could not be read; `code` is the `errno`.
        case localFile
        /// The connection died (peer closed it, network down, keepalive unanswered).
        case connectionLost
        /// The session was closed with `close()` before or during the operation.
        case closed
    }

    /// What went wrong.
    public var kind: Kind
    /// The C function that reported the failure, e.g. `ssh_connect`.
    public var function: String
    /// The libssh error code, SFTP status or `errno`, depending on `kind`.
    public var code: Int32
    /// The message from libssh (or our own explanation), without the host.
    public var message: String
    /// The endpoint as `user@host:port` (or the host as given, before it was resolved).
    public var host: String
    /// The host key's SHA256 fingerprint (`SHA256:...`) for host-key errors, otherwise `nil`.
    public var fingerprint: String?

    /// Creates an error; see the properties for the meaning of each argument.
    public init(
        kind: Kind, function: String, code: Int32 = 0, message: String, host: String,
        fingerprint: String? = nil
    ) {
        self.kind = kind
        self.function = function
        self.code = code
        self.message = message
        self.host = host
        self.fingerprint = fingerprint
    }

    /// Whether retrying cannot help: a refused login, an unknown or changed host key, a
    /// configuration sweep refuses, an unreadable local file. Connection failures, lost
    /// connections and channel errors may heal (the host reboots, sshd restarts).
    public var isPermanent: Bool {
        switch kind {
        case .hostKeyUnknown, .hostKeyChanged, .hostKey, .authentication, .configuration, .localFile: true
        case .connect, .channel, .sftp, .connectionLost, .closed: false
        }
    }

    /// `host: message (function, code N)`.
    public var description: String {
        "\(host): \(message) (\(function)\(code != 0 ? ", code \(code)" : ""))"
    }
}
