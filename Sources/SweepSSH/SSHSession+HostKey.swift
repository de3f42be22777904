import CLibSSH

extension SSHSession {
    /// Checks the server's key against known_hosts and, under `.acceptNew`, records a new one.
    ///
    /// Known -> returns. Unknown -> throws `.hostKeyUnknown` (or records it under
    /// `.acceptNew` via `ssh_session_update_known_hosts`). Changed, or recorded with another
    /// key type -> throws `.hostKeyChanged` whatever the policy.
    func verifyHostKey() throws {
        let handle = try liveHandle("ssh_session_is_known_server")
        let fingerprint = try serverFingerprint(handle)
        let knownHosts = target.knownHostsFile ?? "~/.ssh/known_hosts"
        var port: UInt32 = 22
        _ = ssh_options_get_port(handle, &port)
        let host = option(handle, SSH_OPTIONS_HOST) ?? target.host
        // known_hosts names a host on another port `[host]:port`, as ssh-keygen -R wants it.
        let entry = port == 22 ? host : "'[\(host)]:\(port)'"
        let fileArgument = target.knownHostsFile.map { " -f " + Self.shellQuoted($0) } ?? ""
        switch ssh_session_is_known_server(handle) {
        case SSH_KNOWN_HOSTS_OK:
            return
        case SSH_KNOWN_HOSTS_CHANGED, SSH_KNOWN_HOSTS_OTHER:
            throw SSHError(
                kind: .hostKeyChanged, function: "ssh_session_is_known_server",
                message: """
                    REMOTE HOST KEY CHANGED: the host now presents \(fingerprint), which does not \
                    match \(knownHosts). Someone may be intercepting the connection. If the host \
                    was reinstalled on purpose, remove its old entry (ssh-keygen -R \
                    \(entry)\(fileArgument)) and connect again.
                    """,
                host: endpoint, fingerprint: fingerprint)
        case SSH_KNOWN_HOSTS_UNKNOWN, SSH_KNOWN_HOSTS_NOT_FOUND:
            guard target.hostKeyPolicy == .acceptNew else {
                throw SSHError(
                    kind: .hostKeyUnknown, function: "ssh_session_is_known_server",
                    message: """
                        host key \(fingerprint) is not in \(knownHosts). Verify the fingerprint \
                        (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub on the host), then \
                        connect once with host-key policy acceptNew to record it.
                        """,
                    host: endpoint, fingerprint: fingerprint)
            }
            if ssh_session_update_known_hosts(handle) != SSH_OK {
                var error = lastError("ssh_session_update_known_hosts", .hostKey)
                error.fingerprint = fingerprint
                throw error
            }
        default:
            var error = lastError("ssh_session_is_known_server", .hostKey)
            error.fingerprint = fingerprint
            throw error
        }
    }

    /// The server key's fingerprint in OpenSSH's form, `SHA256:<base64>`.
    private func serverFingerprint(_ handle: OpaquePointer) throws -> String {
        var key: OpaquePointer?
        try check(ssh_get_server_publickey(handle, &key), "ssh_get_server_publickey", .hostKey)
        defer { ssh_key_free(key) }
        var hash: UnsafeMutablePointer<UInt8>?
        var length = 0
        try check(
            ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &length),
            "ssh_get_publickey_hash", .hostKey)
        defer { ssh_clean_pubkey_hash(&hash) }
        guard let text = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, length) else {
            throw lastError("ssh_get_fingerprint_hash", .hostKey)
        }
        defer { ssh_string_free_char(text) }
        return String(cString: text)
    }
}
