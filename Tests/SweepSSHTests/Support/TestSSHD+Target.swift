import SweepSSH
import SweepTestSupport

extension TestSSHD {
    /// A target for this server that logs in with the authorized key and trusts only this
    /// server's known_hosts; nothing is read from the real `~/.ssh` or ssh-agent.
    func target(
        identityFile: String? = nil, knownHostsFile: String? = nil,
        hostKeyPolicy: SSHTarget.HostKeyPolicy = .strict
    ) -> SSHTarget {
        SSHTarget(
            host: "127.0.0.1", port: port, user: user, identityFile: identityFile ?? userKeyPath,
            configFile: "/dev/null", knownHostsFile: knownHostsFile ?? knownHostsPath,
            sshDirectory: emptySSHDirectory, useAgent: false, hostKeyPolicy: hostKeyPolicy,
            timeout: .seconds(5), keepaliveInterval: .seconds(2))
    }
}
