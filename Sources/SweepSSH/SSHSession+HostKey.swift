import CLibSSH
import Foundation

extension SSHSession {
    /// Checks the server's key against known_hosts and, under `.acceptNew`, records a new one.
    ///
    /// Known -> returns. Unknown -> throws `.hostKeyUnknown` (or records it under
    /// `.acceptNew`, see `recordHostKey`). Changed, or recorded with another
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
            try recordHostKey(handle, fingerprint: fingerprint)
        default:
            var error = lastError("ssh_session_is_known_server", .hostKey)
            error.fingerprint = fingerprint
            throw error
        }
    }

    /// Appends the server's key to the known_hosts file libssh checked, if that file is a
    /// known_hosts file (`KnownHostsFile`), and keeps what was recorded in `recordedHostKey`.
    private func recordHostKey(_ handle: OpaquePointer, fingerprint: String) throws {
        func failure(_ message: String) -> SSHError {
            SSHError(kind: .hostKey, function: "known_hosts", message: message, host: endpoint, fingerprint: fingerprint)
        }
        guard var path = option(handle, SSH_OPTIONS_KNOWNHOSTS) else { throw failure("no known_hosts file to record the key in") }
        if path.hasPrefix("~/") { path = NSHomeDirectory() + path.dropFirst() }
        var entry: UnsafeMutablePointer<CChar>?
        guard ssh_session_export_known_hosts_entry(handle, &entry) == SSH_OK, let entry else {
            throw lastError("ssh_session_export_known_hosts_entry", .hostKey)
        }
        let line = String(cString: entry)
        ssh_string_free_char(entry)
        do {
            try KnownHostsFile.append(line, to: path)
        } catch {
            throw failure("""
                not recording the host key \(fingerprint): \(error.message). Name a known_hosts file \
                (empty, holding host keys, or new in an existing folder) with known_hosts or --known-hosts.
                """)
        }
        let type = line.split(separator: " ").dropFirst().first.map(String.init) ?? "host"
        recordedHostKey = "\(type) key \(fingerprint) recorded in \(path)"
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
