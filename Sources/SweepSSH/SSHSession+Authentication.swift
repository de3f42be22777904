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
        let directory = target.sshDirectory ?? NSHomeDirectory() + "/.ssh"
        let locked = Self.defaultIdentities.map { directory + "/" + $0 }.filter(Self.isPassphraseProtected)
        if let key = locked.first, !target.useAgent || agentSocket.isEmpty {
            // libssh offers the public key, the server accepts it, and only then the private
            // key cannot be opened without a passphrase: not a missing authorized key.
            throw SSHError(
                kind: .authentication, function: "ssh_userauth_publickey_auto",
                message: """
                    cannot log in to \(endpoint): the default identity \(key) is passphrase-protected \
                    and no ssh-agent holds it. Start an agent and load it (eval $(ssh-agent); ssh-add \
                    \(key)) before running sweep, or give the host an unencrypted identity file.
                    """,
                host: endpoint)
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

    /// The private keys libssh tries in the SSH directory, as OpenSSH does.
    static let defaultIdentities = ["id_ed25519", "id_ecdsa", "id_rsa", "id_ed25519_sk", "id_ecdsa_sk", "id_dsa"]

    /// Whether the private key at `path` needs a passphrase: a PEM key marked ENCRYPTED, or an
    /// OpenSSH key whose cipher is not "none". Missing or unreadable files are not.
    static func isPassphraseProtected(_ path: String) -> Bool {
        guard let data = FileManager.default.contents(atPath: path), data.count < 64 * 1024 else { return false }
        let text = String(decoding: data, as: UTF8.self)
        if text.contains("ENCRYPTED") { return true }
        let begin = "-----BEGIN OPENSSH PRIVATE KEY-----", end = "-----END OPENSSH PRIVATE KEY-----"
        guard let start = text.range(of: begin), let stop = text.range(of: end, range: start.upperBound..<text.endIndex),
              let key = Data(base64Encoded: String(text[start.upperBound..<stop.lowerBound].filter { !$0.isWhitespace }))
        else { return false }
        // "openssh-key-v1\0", then the cipher name as a uint32 length and bytes.
        let magic = 15
        guard key.count > magic + 4 else { return false }
        let bytes = [UInt8](key)
        let length = bytes[magic..<magic + 4].reduce(0) { $0 << 8 | Int($1) }
        guard length <= 64, magic + 4 + length <= bytes.count else { return false }
        return String(decoding: bytes[(magic + 4)..<(magic + 4 + length)], as: UTF8.self) != "none"
    }
}
