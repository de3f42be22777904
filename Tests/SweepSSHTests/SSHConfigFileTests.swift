import Foundation
import Testing
@testable import SweepSSH
import SweepTestSupport

/// A configuration file named by the target (a host file's ssh_config) is read by sweep, as
/// OpenSSH reads it, and never runs a command; the user's own configuration (~/.ssh/config, here
/// the target's SSH directory) is honoured.
@Suite("ssh_config from data runs no command", .serialized, .timeLimit(.minutes(5)))
struct SSHConfigFileTests {
    /// A scratch directory with `marker`, the file every hostile command would create.
    struct Scratch {
        let folder: TemporaryFolder
        var directory: URL { folder.url }
        var marker: String { directory.appendingPathComponent("pwned").path }

        init() throws { folder = try TemporaryFolder("sweep-config") }

        func write(_ name: String, _ text: String) throws -> String {
            let path = directory.appendingPathComponent(name).path
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
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
        let config = try scratch.write("ssh_config", "# a host file's config\n" + directive.replacingOccurrences(of: "MARKER", with: scratch.marker) + "\n")
        let error = await #expect(throws: SSHError.self) { try await SSHSession.connect(to: Self.unreachable(config)) }
        #expect(error?.kind == .configuration)
        #expect(error?.isPermanent == true)
        #expect(error?.message.contains("\(config):\(line)") == true, "\(String(describing: error))")
        #expect(!FileManager.default.fileExists(atPath: scratch.marker))
    }

    /// A target on port 1 (nothing listens: a refusal must come before any connection).
    static func unreachable(_ config: String, host: String = "127.0.0.1", sshDirectory: String? = nil) -> SSHTarget {
        SSHTarget(host: host, port: 1, configFile: config, knownHostsFile: "/dev/null", sshDirectory: sshDirectory,
                  useAgent: false, timeout: .seconds(2))
    }

    @Test("Include in every quoted and relative form reaches the included file, which is refused",
          arguments: [
              #"Include "DIR/with space/evil.conf""#,
              #"Include 'DIR/with space/evil.conf'"#,
              #"Include DIR/with\ space/evil.conf"#,
              #"Include=DIR/with=equals/evil.conf"#,
              #"Include = "DIR/with space/ev*.conf""#,
              #"Include relative/evil.conf"#,
              #"Host elsewhere"# + "\n" + #"  Include "DIR/with space/evil.conf""#,
              #"Include DIR/nested.conf"#,
          ])
    func includeForms(_ include: String) async throws {
        let scratch = try Scratch()
        let dir = scratch.directory.path
        let fileManager = FileManager.default
        for folder in ["with space", "with=equals", "ssh/relative"] {
            try fileManager.createDirectory(atPath: dir + "/" + folder, withIntermediateDirectories: true)
        }
        let evil = "Host *\n  Match exec \"touch \(scratch.marker)\"\n  ProxyCommand touch \(scratch.marker)\n"
        for file in ["with space/evil.conf", "with=equals/evil.conf", "ssh/relative/evil.conf"] {
            _ = try scratch.write(file, evil)
        }
        _ = try scratch.write("nested.conf", "Host *\n  Include \"\(dir)/with space/evil.conf\"\n")
        let text = include.replacingOccurrences(of: "DIR", with: dir)
        let config = try scratch.write("ssh_config", "User someone\n" + text + "\n")
        let error = await #expect(throws: SSHError.self) {
            try await SSHSession.connect(to: Self.unreachable(config, sshDirectory: dir + "/ssh"))
        }
        #expect(error?.kind == .configuration)
        #expect(error?.message.contains("evil.conf:2: Match exec runs a local command") == true, "\(String(describing: error))")
        #expect(!fileManager.fileExists(atPath: scratch.marker))
    }

    @Test("lines split as OpenSSH splits them", arguments: [
        ("HostName example.org", "hostname", ["example.org"]),
        ("  HostName=example.org", "hostname", ["example.org"]),
        ("HostName = example.org # a comment", "hostname", ["example.org"]),
        ("\"ProxyCommand\" touch x", "proxycommand", ["touch", "x"]),
        (#"Include "/a b/c" '/d e' f\ g"#, "include", ["/a b/c", "/d e", "f g"]),
        (#"Include "/a"b'c d'"#, "include", ["/abc d"]),
        ("Include /a=b", "include", ["/a=b"]),
        ("Include==x", "include", ["=x"]),
        ("IdentityFile a#b", "identityfile", ["a#b"]),
    ])
    func splitting(_ line: String, _ keyword: String, _ arguments: [String]) throws {
        let parsed = try SSHConfigFile.split(Array(line.utf8))
        #expect(parsed?.keyword == keyword)
        #expect(parsed?.arguments == arguments)
    }

    @Test("a malformed line is refused with its place", arguments: [
        ("Include \"/unterminated", "an unmatched quote"),
        ("HostName a\u{0}b", "a NUL byte"),
        ("Frobnicate yes", "unknown or unsupported option 'Frobnicate'"),
        ("Match canonical all", "Match canonical is not supported"),
        ("Port 70000", "Port must be 1-65535"),
        ("HostName evil@host", "HostName must be one plain host name"),
        ("User $(id)", "User must be plain"),
        ("ProxyJump -oProxyCommand=x", "ProxyJump must be plain"),
        ("Include %d/x", "does not expand %-tokens"),
    ])
    func malformed(_ line: String, _ expected: String) async throws {
        let scratch = try Scratch()
        let config = try scratch.write("ssh_config", "\n" + line + "\n")
        let error = #expect(throws: SSHError.self) { try SSHConfigFile.load(config, host: "h") }
        #expect(error?.kind == .configuration)
        #expect(error?.message.contains("\(config):2: ") == true, "\(String(describing: error))")
        #expect(error?.message.contains(expected) == true, "\(String(describing: error))")
    }

    @Test("a FIFO or a folder named as the config is refused without blocking")
    func notARegularFile() throws {
        let scratch = try Scratch()
        let fifo = scratch.directory.appendingPathComponent("fifo").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let error = #expect(throws: SSHError.self) { try SSHConfigFile.load(fifo, host: "h") }
        #expect(error?.message.contains("not a regular file") == true, "\(String(describing: error))")
        let folder = #expect(throws: SSHError.self) { try SSHConfigFile.load(scratch.directory.path, host: "h") }
        #expect(folder?.message.contains("not a regular file") == true, "\(String(describing: folder))")
        let missing = #expect(throws: SSHError.self) { try SSHConfigFile.load(scratch.directory.path + "/nope", host: "h") }
        #expect(missing?.message.contains("No such file") == true, "\(String(describing: missing))")
        #expect(try SSHConfigFile.load("/dev/null", host: "h").options(host: "h", user: nil) == SSHConfigFile.Options())
    }

    @Test("options resolve as OpenSSH resolves them: first value wins, Host and Match blocks, includes inside blocks")
    func resolution() throws {
        let scratch = try Scratch()
        _ = try scratch.write("gpu.conf", "Port 2200\nHost *\n  User inner\n")
        let config = try scratch.write("ssh_config", """
            Host gpu* !gpu-old
              HostName %h.cluster.example
              Include \(scratch.directory.path)/gpu.conf
            Host gpu-old
              HostName legacy.example
              Port 22
            Match host *.cluster.example user alice
              IdentityFile ~/.ssh/alice
            Host *
              User bob
              Port 2222
              IdentityFile ~/.ssh/common
              ProxyJump jump1,carol@jump2:2022
              StrictHostKeyChecking no
            """)
        let file = try SSHConfigFile.load(config, host: "h")
        let gpu = file.options(host: "gpu7", user: "alice")
        #expect(gpu.hostName == "gpu7.cluster.example")
        #expect(gpu.port == 2200)
        #expect(gpu.user == "inner")
        #expect(gpu.identityFiles == ["~/.ssh/alice", "~/.ssh/common"])
        #expect(gpu.proxyJump == ["jump1", "carol@jump2:2022"])
        let old = file.options(host: "gpu-old", user: nil)
        #expect(old.hostName == "legacy.example")
        #expect(old.port == 22)
        #expect(old.user == "bob")
        #expect(old.identityFiles == ["~/.ssh/common"])
    }

    @Test("an Include'd file is checked too, and Include depth is bounded")
    func includes() async throws {
        let scratch = try Scratch()
        let inner = try scratch.write("inner.conf", "Host *\n  ProxyCommand touch \(scratch.marker)\n")
        let config = try scratch.write("ssh_config", "Include \(scratch.directory.path)/inner*.conf\n")
        let error = await #expect(throws: SSHError.self) { try await SSHSession.connect(to: Self.unreachable(config)) }
        #expect(error?.message.contains("\(inner):2") == true, "\(String(describing: error))")
        #expect(!FileManager.default.fileExists(atPath: scratch.marker))

        let loop = try scratch.write("loop.conf", "Include \(scratch.directory.path)/loop.conf\n")
        let depth = await #expect(throws: SSHError.self) { try await SSHSession.connect(to: Self.unreachable(loop)) }
        #expect(depth?.kind == .configuration)
        #expect(depth?.message.contains("levels of Include") == true, "\(String(describing: depth))")
    }

    @Test("the user's own config may use ProxyCommand; its stderr is kept for errors")
    func ownConfigProxyCommand() async throws {
        let sshd = try TestSSHD()
        defer { sshd.stop() }
        let scratch = try Scratch()
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
