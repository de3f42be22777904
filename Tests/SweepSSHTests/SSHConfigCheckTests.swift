import Foundation
import Testing
import SweepSSH
import SweepTestSupport

/// A configuration file named by the target (a host file's ssh_config) never runs a command;
/// the user's own configuration (~/.ssh/config, here the target's SSH directory) is honoured.
@Suite("ssh_config from data runs no command", .serialized, .timeLimit(.minutes(5)))
struct SSHConfigCheckTests {
    /// A scratch directory with `marker`, the file every hostile command would create.
    struct Scratch {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sweep-config-\(UUID().uuidString.prefix(8))")
        var marker: String { directory.appendingPathComponent("pwned").path }

        init() throws { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) }

        func write(_ name: String, _ text: String) throws -> String {
            let path = directory.appendingPathComponent(name).path
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }

        func remove() { try? FileManager.default.removeItem(at: directory) }
    }

    @Test("each directive that runs a command is refused with its file and line, before connecting",
          arguments: [
              ("ProxyCommand touch MARKER", 2),
              ("  proxycommand=touch MARKER", 2),
              ("Host *\n\tLocalCommand touch MARKER\n\tPermitLocalCommand yes", 3),
              ("KnownHostsCommand /bin/sh -c 'touch MARKER'", 2),
              ("Match host * exec \"touch MARKER\"", 2),
              ("Match !exec \"touch MARKER\"", 2),
              ("PKCS11Provider MARKER.so", 2),
              ("ProxyJump a;touch${IFS}MARKER", 2),
              ("HostName $(touch MARKER)", 2),
              ("\"ProxyCommand\" touch MARKER", 2),
          ])
    func refusesCommands(_ directive: String, _ line: Int) async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let config = try scratch.write("ssh_config", "# a host file's config\n" + directive.replacingOccurrences(of: "MARKER", with: scratch.marker) + "\n")
        // Port 1: nothing listens; a refusal must come before any connection attempt.
        let target = SSHTarget(host: "127.0.0.1", port: 1, configFile: config, knownHostsFile: "/dev/null", useAgent: false, timeout: .seconds(2))
        let error = await #expect(throws: SSHError.self) { try await SSHSession.connect(to: target) }
        #expect(error?.kind == .configuration)
        #expect(error?.isPermanent == true)
        #expect(error?.message.contains("\(config):\(line)") == true, "\(String(describing: error))")
        #expect(!FileManager.default.fileExists(atPath: scratch.marker))
    }

    @Test("an Include'd file is checked too, and Include depth is bounded")
    func includes() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let inner = try scratch.write("inner.conf", "Host *\n  ProxyCommand touch \(scratch.marker)\n")
        let config = try scratch.write("ssh_config", "Include \(scratch.directory.path)/inner*.conf\n")
        let target = SSHTarget(host: "127.0.0.1", port: 1, configFile: config, knownHostsFile: "/dev/null", useAgent: false, timeout: .seconds(2))
        let error = await #expect(throws: SSHError.self) { try await SSHSession.connect(to: target) }
        #expect(error?.message.contains("\(inner):2") == true, "\(String(describing: error))")
        #expect(!FileManager.default.fileExists(atPath: scratch.marker))

        let loop = try scratch.write("loop.conf", "Include \(scratch.directory.path)/loop.conf\n")
        let looping = SSHTarget(host: "127.0.0.1", port: 1, configFile: loop, knownHostsFile: "/dev/null", useAgent: false, timeout: .seconds(2))
        let depth = await #expect(throws: SSHError.self) { try await SSHSession.connect(to: looping) }
        #expect(depth?.kind == .configuration)
        #expect(depth?.message.contains("levels of Include") == true, "\(String(describing: depth))")
    }

    @Test("the user's own config may use ProxyCommand; its stderr is kept for errors")
    func ownConfigProxyCommand() async throws {
        let sshd = try TestSSHD()
        defer { sshd.stop() }
        let scratch = try Scratch()
        defer { scratch.remove() }
        // The user's ~/.ssh: libssh reads `config` from the SSH directory when no file is named.
        let own = scratch.directory.appendingPathComponent("own-ssh").path
        try FileManager.default.createDirectory(atPath: own, withIntermediateDirectories: true)
        let openssh = "ssh -F /dev/null -o BatchMode=yes -o UserKnownHostsFile=\(sshd.knownHostsPath) -i \(sshd.userKeyPath) -p \(sshd.port) -l \(sshd.user)"
        try "Host via-jump\n  HostName 127.0.0.1\n  ProxyCommand \(openssh) -W '[%h]:%p' 127.0.0.1\n"
            .write(toFile: own + "/config", atomically: true, encoding: .utf8)
        let target = SSHTarget(host: "via-jump", port: sshd.port, user: sshd.user, identityFile: sshd.userKeyPath,
                               knownHostsFile: sshd.knownHostsPath, sshDirectory: own, useAgent: false, timeout: .seconds(5))
        let output = try await SSHSession.withConnection(to: target) { try await $0.run("echo through-the-jump").stdoutText }
        #expect(output == "through-the-jump\n")

        // The same jump with a bastion key nobody recorded: the jump's own words come back.
        try "Host via-jump\n  HostName 127.0.0.1\n  ProxyCommand \(openssh.replacingOccurrences(of: sshd.knownHostsPath, with: "/dev/null")) -W '[%h]:%p' 127.0.0.1\n"
            .write(toFile: own + "/config", atomically: true, encoding: .utf8)
        let error = await #expect(throws: SSHError.self) { try await SSHSession.connect(to: target) }
        #expect(error?.kind == .hostKey)
        #expect(error?.isPermanent == true)
        #expect(error?.message.contains("host key verification failed for the jump host") == true, "\(String(describing: error))")
        #expect(error?.message.contains("Host key verification failed.") == true, "\(String(describing: error))")
    }

    @Test("ProxyJump in a host's config: a failing jump reports the jump's message")
    func proxyJumpFailure() async throws {
        let sshd = try TestSSHD()
        defer { sshd.stop() }
        let scratch = try Scratch()
        defer { scratch.remove() }
        // OpenSSH's ssh makes the jump, with the real ~/.ssh/known_hosts, which does not
        // know this throw-away bastion: it refuses, and cannot prompt (no terminal).
        let config = try scratch.write("ssh_config", """
            Host behind-bastion
              HostName 127.0.0.1
              Port \(sshd.port)
              ProxyJump \(sshd.user)@127.0.0.1:\(sshd.port)

            """)
        let target = SSHTarget(host: "behind-bastion", user: sshd.user, identityFile: sshd.userKeyPath, configFile: config,
                               knownHostsFile: sshd.knownHostsPath, sshDirectory: sshd.emptySSHDirectory, useAgent: false,
                               timeout: .seconds(5))
        let clock = ContinuousClock()
        let start = clock.now
        let error = await #expect(throws: SSHError.self) { try await SSHSession.connect(to: target) }
        #expect(clock.now - start < .seconds(60))  // A hang guard only: how fast is for benchmarks, not tests (a busy machine is slow).
        #expect(error?.kind == .hostKey, "\(String(describing: error))")
        #expect(error?.message.contains("Host key verification failed") == true, "\(String(describing: error))")
        #expect(error?.message.contains("Connection reset") == false)
    }
}
