import SweepSSH

extension RemoteHost {
    /// Whether retrying the connection cannot help: a refused login, an unknown or changed
    /// host key, a refused ssh_config, a binary that cannot run there.
    public static func isPermanent(_ error: any Error) -> Bool {
        switch error {
        case let error as SSHError: error.isPermanent
        case is RemoteHostError: true
        case is HostFileError: true
        default: false
        }
    }

    /// `error` in words for the user, with the sweep command that fixes it where there is
    /// one: `acceptNew` is the command that records an unknown host key, e.g.
    /// `sweep hosts check gpu1 --accept-new`.
    public static func explain(_ error: any Error, acceptNew: String) -> String {
        guard let error = error as? SSHError, error.kind == .hostKeyUnknown else { return "\(error)" }
        return """
            \(error.host): host key \(error.fingerprint ?? "?") is not in known_hosts. Verify the fingerprint \
            (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub on the host), then record it: \
            \(acceptNew)
            """
    }
}
