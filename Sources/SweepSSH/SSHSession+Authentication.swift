import CLibSSH
import Foundation

extension SSHSession {
    /// Authenticates with public keys in the order `ssh` users expect: ssh-agent, then the
    /// default and configured identities (both by `ssh_userauth_publickey_auto`, which asks
    /// the agent first; calling `ssh_userauth_agent` as well would offer every agent key
    /// twice and run into the server's `MaxAuthTries`), then `target.identityFile`
    /// (`ssh_pki_import_privkey_file` + `ssh_userauth_publickey`).
    /// - Throws: `SSHError` of kind `.authentication` naming `user@host` and the methods tried.
    func authenticate() throws {
        let handle = try liveHandle("ssh_userauth_publickey_auto")
        var tried: [String] = []

        func succeeded(_ rc: Int32, _ function: String) throws -> Bool {
            if rc == SSH_AUTH_SUCCESS.rawValue { return true }
            if rc == SSH_AUTH_ERROR.rawValue { throw lastError(function, .authentication) }
            return false  // denied or partial: try the next method
        }

        let agentSocket = ProcessInfo.processInfo.environment["SSH_AUTH_SOCK"] ?? ""
        if target.useAgent && !agentSocket.isEmpty { tried.append("ssh-agent") }
        tried.append("default identities in \(target.sshDirectory ?? "~/.ssh")")
        if try succeeded(ssh_userauth_publickey_auto(handle, nil, nil), "ssh_userauth_publickey_auto") { return }

        if let path = target.identityFile {
            tried.append("identity file \(path)")
            var key: OpaquePointer?
            guard ssh_pki_import_privkey_file(path, nil, nil, nil, &key) == SSH_OK, let key else {
                throw SSHError(
                    kind: .authentication, function: "ssh_pki_import_privkey_file",
                    message: "cannot read private key \(path) (missing, unreadable, or passphrase-protected: load it into ssh-agent instead)",
                    host: endpoint)
            }
            defer { ssh_key_free(key) }
            if try succeeded(ssh_userauth_publickey(handle, nil, key), "ssh_userauth_publickey") { return }
        }
        throw SSHError(
            kind: .authentication, function: "ssh_userauth_publickey",
            message: """
                permission denied for \(endpoint) (tried \(tried.joined(separator: ", "))). \
                Add the public key to ~/.ssh/authorized_keys of that user on the host, or pass \
                the right key with an identity file.
                """,
            host: endpoint)
    }
}
