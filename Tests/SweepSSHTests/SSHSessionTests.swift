import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
import SweepSSH
import SweepTestSupport
import Synchronization

@Suite("SSHSession against a real sshd", .serialized, .timeLimit(.minutes(5)))
struct SSHSessionTests {
    @Test("logs in by key and runs a command; a non-zero exit is data")
    func runCommand() async throws {
        let sshd = try TestSSHD()
        defer { sshd.stop() }
        try await SSHSession.withConnection(to: sshd.target()) { session in
            let result = try await session.run("printf 'out\\n'; printf 'err\\n' >&2; exit 3")
            #expect(result.stdoutText == "out\n")
            #expect(result.stderrText == "err\n")
            #expect(result.exitStatus == 3)
            #expect(result.exitSignal == nil)
            #expect(await session.endpoint == "\(sshd.user)@127.0.0.1:\(sshd.port)")
            let ok = try await session.run("true")
            #expect(ok.exitStatus == 0 && ok.stdout.isEmpty)
        }
    }

    @Test("collects large stdout and stderr completely, also when they end together with the channel")
    func largeOutput() async throws {
        let sshd = try TestSSHD()
        defer { sshd.stop() }
        try await SSHSession.withConnection(to: sshd.target()) { session in
            for (out, err) in [(3_000_000, 1_000_000), (1, 1), (70_000, 65_536)] {
                let result = try await session.run("head -c \(out) /dev/zero; head -c \(err) /dev/zero >&2; exit 7")
                #expect(result.stdout.count == out && result.stderr.count == err)
                #expect(result.exitStatus == 7)
            }
        }
    }

    @Test("refuses an unknown host key and reports its fingerprint")
    func unknownHostKey() async throws {
        let sshd = try TestSSHD()
        defer { sshd.stop() }
        let emptyKnownHosts = sshd.directory.appendingPathComponent("empty_known_hosts").path
        let error = await #expect(throws: SSHError.self) {
            try await SSHSession.connect(to: sshd.target(knownHostsFile: emptyKnownHosts))
        }
        #expect(error?.kind == .hostKeyUnknown)
        #expect(error?.fingerprint == sshd.hostKeyFingerprint)
        #expect(error?.message.contains(sshd.hostKeyFingerprint) == true)
        #expect(error?.message.contains("acceptNew") == true)
        #expect(!FileManager.default.fileExists(atPath: emptyKnownHosts))
    }

    @Test("acceptNew records an unknown host key, after which strict checking passes")
    func acceptNewHostKey() async throws {
        let sshd = try TestSSHD()
        defer { sshd.stop() }
        let knownHosts = sshd.directory.appendingPathComponent("new_known_hosts").path
        let first = try await SSHSession.connect(to: sshd.target(knownHostsFile: knownHosts, hostKeyPolicy: .acceptNew))
        #expect(await first.recordedHostKey == "ssh-ed25519 key \(sshd.hostKeyFingerprint) recorded in \(knownHosts)")
        await first.close()
        let recorded = try String(contentsOfFile: knownHosts, encoding: .utf8)
        #expect(recorded.hasPrefix("[127.0.0.1]:\(sshd.port) ssh-ed25519 ") && recorded.hasSuffix("\n"))
        let second = try await SSHSession.connect(to: sshd.target(knownHostsFile: knownHosts))
        #expect(try await second.run("echo again").stdoutText == "again\n")
        await second.close()
    }

    @Test("acceptNew writes only to a known_hosts file: never another file, never a new folder")
    func acceptNewWritesOnlyKnownHosts() async throws {
        let sshd = try TestSSHD()
        defer { sshd.stop() }
        let victim = sshd.directory.appendingPathComponent("victim.txt").path
        let notes = "my notes\nno newline at the end"
        try notes.write(toFile: victim, atomically: true, encoding: .utf8)
        let refused = await #expect(throws: SSHError.self) {
            try await SSHSession.connect(to: sshd.target(knownHostsFile: victim, hostKeyPolicy: .acceptNew))
        }
        #expect(refused?.kind == .hostKey)
        #expect(refused?.message.contains("is not a known_hosts file (line 1 is not a host-key line)") == true, "\(String(describing: refused))")
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == notes)

        let inMissingFolder = sshd.directory.appendingPathComponent("made/up/known_hosts").path
        let noFolder = await #expect(throws: SSHError.self) {
            try await SSHSession.connect(to: sshd.target(knownHostsFile: inMissingFolder, hostKeyPolicy: .acceptNew))
        }
        #expect(noFolder?.message.contains("does not exist") == true, "\(String(describing: noFolder))")
        #expect(!FileManager.default.fileExists(atPath: sshd.directory.appendingPathComponent("made").path))

        // A real known_hosts without a final newline, with a comment and another host's key:
        // the new key goes on its own line.
        let knownHosts = sshd.directory.appendingPathComponent("other_known_hosts").path
        let other = "# mine\n|1|c2FsdA==|aGFzaA== ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOJ9 other"
        try other.write(toFile: knownHosts, atomically: true, encoding: .utf8)
        let session = try await SSHSession.connect(to: sshd.target(knownHostsFile: knownHosts, hostKeyPolicy: .acceptNew))
        #expect(await session.recordedHostKey?.contains(sshd.hostKeyFingerprint) == true)
        await session.close()
        let lines = try String(contentsOfFile: knownHosts, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines.last?.hasPrefix("[127.0.0.1]:\(sshd.port) ssh-ed25519 ") == true, "\(lines)")
    }

    @Test("refuses a changed host key even under acceptNew")
    func changedHostKey() async throws {
        let sshd = try TestSSHD()
        defer { sshd.stop() }
        let before = try String(contentsOfFile: sshd.knownHostsPath, encoding: .utf8)
        try sshd.restartWithNewHostKey()
        for policy in [SSHTarget.HostKeyPolicy.strict, .acceptNew] {
            let error = await #expect(throws: SSHError.self) {
                try await SSHSession.connect(to: sshd.target(hostKeyPolicy: policy))
            }
            #expect(error?.kind == .hostKeyChanged)
            #expect(error?.fingerprint == sshd.hostKeyFingerprint)
            #expect(error?.message.contains("CHANGED") == true)
        }
        #expect(try String(contentsOfFile: sshd.knownHostsPath, encoding: .utf8) == before)
    }

    @Test("authenticates with a key held by ssh-agent; useAgent: false ignores the agent")
    func agentAuthentication() async throws {
        let sshd = try TestSSHD()
        defer { sshd.stop() }
        let socket = try sshd.startAgent()
        // SSH_AUTH_SOCK is process-wide; this suite is serialized and every other test sets
        // useAgent: false.
        setenv("SSH_AUTH_SOCK", socket, 1)
        defer { unsetenv("SSH_AUTH_SOCK") }
        var target = sshd.target()
        target.identityFile = nil
        target.useAgent = true
        let output = try await SSHSession.withConnection(to: target) { session in
            try await session.run("echo agent").stdoutText
        }
        #expect(output == "agent\n")
        target.useAgent = false
        let error = await #expect(throws: SSHError.self) { try await SSHSession.connect(to: target) }
        #expect(error?.kind == .authentication)
        #expect(error?.message.contains("ssh-agent") == false)
    }

    @Test("a key the server does not accept gives an authentication error naming user@host")
    func wrongKey() async throws {
        let sshd = try TestSSHD()
        defer { sshd.stop() }
        let error = await #expect(throws: SSHError.self) {
            try await SSHSession.connect(to: sshd.target(identityFile: sshd.unauthorizedKeyPath))
        }
        #expect(error?.kind == .authentication)
        #expect(error?.host == "\(sshd.user)@127.0.0.1:\(sshd.port)")
        #expect(error?.message.contains("\(sshd.user)@127.0.0.1:\(sshd.port)") == true)
        #expect(error?.message.contains("identity file \(sshd.unauthorizedKeyPath)") == true)
        #expect(error?.message.contains("default identities") == true)
    }

    @Test("a missing identity file is reported by path")
    func missingIdentityFile() async throws {
        let sshd = try TestSSHD()
        defer { sshd.stop() }
        let missing = sshd.directory.appendingPathComponent("nope").path
        let error = await #expect(throws: SSHError.self) {
            try await SSHSession.connect(to: sshd.target(identityFile: missing))
        }
        #expect(error?.kind == .authentication)
        #expect(error?.message.contains(missing) == true)
    }

    @Test("resolves a Host alias from an injected ssh config file")
    func configAlias() async throws {
        let sshd = try TestSSHD()
        defer { sshd.stop() }
        let config = sshd.directory.appendingPathComponent("ssh_config").path
        try """
            Host sweep-test-box
              HostName 127.0.0.1
              Port \(sshd.port)
              User \(sshd.user)
              IdentityFile \(sshd.userKeyPath)

            """.write(toFile: config, atomically: true, encoding: .utf8)
        let target = SSHTarget(
            host: "sweep-test-box", configFile: config, knownHostsFile: sshd.knownHostsPath,
            sshDirectory: sshd.emptySSHDirectory, useAgent: false, timeout: .seconds(5))
        try await SSHSession.withConnection(to: target) { session in
            #expect(await session.endpoint == "\(sshd.user)@127.0.0.1:\(sshd.port)")
            let output = try await session.run("echo via-alias").stdoutText
            #expect(output == "via-alias\n")
        }
    }

    @Test("a streaming channel echoes lines both ways; closing stdin ends it with status 0")
    func streamingEcho() async throws {
        let sshd = try TestSSHD()
        defer { sshd.stop() }
        try await SSHSession.withConnection(to: sshd.target()) { session in
            let channel = try await session.openExec("cat")
            let recorder = ChannelRecorder(channel)
            var expected = ""
            for index in 0..<20 {
                let line = "{\"type\":\"metric\",\"epoch\":\(index)}\n"
                try await channel.write(line)
                expected += line
                let (snapshot, _) = try await recorder.wait { $0.stdoutText == expected }
                #expect(snapshot.stdoutText == expected)
            }
            // Meanwhile the session still serves other requests.
            #expect(try await session.run("echo side").stdoutText == "side\n")
            try await channel.closeInput()
            let (final, _) = try await recorder.wait { $0.finished }
            #expect(final.finished && final.error == nil)
            #expect(final.exitStatus == 0 && final.exitSignal == nil)
            #expect(final.stdoutText == expected)
        }
    }

    @Test("keepalives on an idle channel leave the session usable")
    func keepalivesOnIdleChannel() async throws {
        let sshd = try TestSSHD()
        defer { sshd.stop() }
        var target = sshd.target()
        target.keepaliveInterval = .milliseconds(100)
        try await SSHSession.withConnection(to: target) { session in
            let channel = try await session.openExec("cat")
            let recorder = ChannelRecorder(channel)
            try await Task.sleep(for: .milliseconds(800))  // about eight keepalives
            try await channel.write("still here\n")
            let (snapshot, _) = try await recorder.wait { $0.stdoutText == "still here\n" }
            #expect(snapshot.stdoutText == "still here\n" && snapshot.error == nil)
            await channel.close()
        }
    }

    @Test("a remote process killed by a signal ends its channel promptly, naming the signal")
    func killedRemoteProcess() async throws {
        let sshd = try TestSSHD()
        defer { sshd.stop() }
        // No keepalive within the hang guard: only noticing the exit itself ends the channel
        // in time (a bound in seconds would fail on a busy machine).
        var target = sshd.target()
        target.keepaliveInterval = .seconds(3600)
        try await SSHSession.withConnection(to: target) { session in
            let channel = try await session.openExec("echo $$; exec sleep 600")
            let recorder = ChannelRecorder(channel)
            let (started, _) = try await recorder.wait { $0.stdoutText.hasSuffix("\n") }
            let pid = try #require(Int(started.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)))
            #expect(try await session.run("kill -9 \(pid)").exitStatus == 0)
            let (ended, _) = try await recorder.wait(upTo: .seconds(60)) { $0.finished }
            #expect(ended.finished && ended.error == nil)
            #expect(ended.exitStatus == -1)
        }
    }

    @Test("a dropped connection fails open channels promptly and later calls")
    func killedServer() async throws {
        let sshd = try TestSSHD()
        defer { sshd.stop() }
        // No keepalive within the hang guard: only noticing the closed connection ends the
        // channel in time (a bound in seconds would fail on a busy machine).
        var target = sshd.target()
        target.keepaliveInterval = .seconds(3600)
        try await SSHSession.withConnection(to: target) { session in
            let channel = try await session.openExec("cat")
            let recorder = ChannelRecorder(channel)
            try await channel.write("ping\n")
            _ = try await recorder.wait { $0.stdoutText == "ping\n" }
            sshd.killConnections()
            let (ended, _) = try await recorder.wait(upTo: .seconds(60)) { $0.finished }
            #expect(ended.finished)
            #expect(ended.error?.kind == .connectionLost)
            do {
                _ = try await session.run("true")
                Issue.record("run succeeded on a dead connection")
            } catch let error as SSHError {
                #expect(error.kind == .connectionLost)
            }
        }
    }

    @Test("uploads a file atomically over SFTP; the remote sha256sum matches")
    func sftpUpload() async throws {
        let sshd = try TestSSHD()
        defer { sshd.stop() }
        try await SSHSession.withConnection(to: sshd.target()) { session in
            let local = sshd.directory.appendingPathComponent("payload.bin")
            let random = try #require(FileHandle(forReadingAtPath: "/dev/urandom"))
            let bytes = random.readData(ofLength: 3 * 1024 * 1024 + 17)
            try random.close()
            try bytes.write(to: local)
            let remoteDirectory = sshd.directory.appendingPathComponent("remote/a/b").path
            let remote = remoteDirectory + "/sweep"

            #expect(try await session.fileInfo(atRemotePath: remote) == nil)
            let sent = try await session.uploadOverSFTP(localPath: local.path, to: remote, mode: 0o755)
            #expect(sent == UInt64(bytes.count))
            let info = try #require(try await session.fileInfo(atRemotePath: remote))
            #expect(info == SSHRemoteFileInfo(size: UInt64(bytes.count), permissions: 0o755, isDirectory: false))
            let remoteHash = try await session.run("sha256sum \(remote)").stdoutText.prefix(64)
            #expect(remoteHash == (try Self.localSHA256(local.path)))

            // Replacing an existing file works and leaves no temporary files behind.
            try Data("second version\n".utf8).write(to: local)
            try await session.uploadOverSFTP(localPath: local.path, to: remote, mode: 0o644)
            #expect(try await session.run("cat \(remote)").stdoutText == "second version\n")
            #expect(try await session.run("ls -A \(remoteDirectory)").stdoutText == "sweep\n")
            #expect(try await session.fileInfo(atRemotePath: remote)?.permissions == 0o644)
            #expect(try await session.fileInfo(atRemotePath: remoteDirectory)?.isDirectory == true)

            let error = await #expect(throws: SSHError.self) {
                try await session.uploadOverSFTP(localPath: sshd.directory.appendingPathComponent("missing").path, to: remote)
            }
            #expect(error?.kind == .localFile)
        }
    }

    @Test("replaces a file whose path has spaces and quotes, over SFTP and over an exec channel", arguments: [true, false])
    func sftpReplaceAwkwardPath(overSFTP: Bool) async throws {
        let sshd = try TestSSHD()
        defer { sshd.stop() }
        let local = sshd.directory.appendingPathComponent("payload.txt")
        let remote = sshd.directory.appendingPathComponent("remote/it's a dir/sweep \"bin\"").path
        try await SSHSession.withConnection(to: sshd.target()) { session in
            for content in ["first\n", "the second version\n"] {
                try Data(content.utf8).write(to: local)
                if overSFTP {
                    try await session.uploadOverSFTP(localPath: local.path, to: remote, mode: 0o700)
                } else {
                    try await session.upload(localPath: local.path, to: remote, mode: 0o700)
                }
                let info = try await session.fileInfo(atRemotePath: remote)
                #expect(info == SSHRemoteFileInfo(size: UInt64(content.utf8.count), permissions: 0o700, isDirectory: false))
            }
        }
        #expect(try String(contentsOfFile: remote, encoding: .utf8) == "the second version\n")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: (remote as NSString).deletingLastPathComponent)
        #expect(leftovers == ["sweep \"bin\""], "\(leftovers)")
    }

    @Test("concurrent commands share one session while a channel streams")
    func concurrentRequests() async throws {
        let sshd = try TestSSHD()
        defer { sshd.stop() }
        try await SSHSession.withConnection(to: sshd.target()) { session in
            let results = try await session.withExec("cat") { channel in
                let recorder = ChannelRecorder(channel)
                let outputs = try await withThrowingTaskGroup(of: String.self) { group in
                    for index in 0..<8 {
                        group.addTask { try await session.run("echo \(index)").stdoutText }
                    }
                    try await channel.write("streaming\n")
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                let (snapshot, _) = try await recorder.wait { $0.stdoutText == "streaming\n" }
                #expect(snapshot.stdoutText == "streaming\n")
                return outputs.sorted()
            }
            #expect(results == (0..<8).map { "\($0)\n" })
        }
    }

    @Test("a channel flooding output does not starve other requests")
    func floodingChannel() async throws {
        let sshd = try TestSSHD()
        defer { sshd.stop() }
        try await SSHSession.withConnection(to: sshd.target()) { session in
            let channel = try await session.openExec("yes")
            let received = ByteCount()
            let counter = Task {
                for try await event in channel.events {
                    if case .stdout(let bytes) = event { received.add(bytes.count) }
                }
            }
            // The other request goes once the flood flows (a megabyte in), however long that
            // takes on a busy machine; starving it would hang the test (its time limit).
            let clock = ContinuousClock()
            let guardEnd = clock.now + .seconds(60)
            while received.value < 1_000_000 && clock.now < guardEnd { try await Task.sleep(for: .milliseconds(10)) }
            #expect(received.value >= 1_000_000, "the flood did not flow")
            let side = try await session.run("echo side")
            await channel.close()
            try await counter.value
            #expect(side.stdoutText == "side\n")
        }
    }

    @Test("operations after close throw .closed; close is idempotent")
    func useAfterClose() async throws {
        let sshd = try TestSSHD()
        defer { sshd.stop() }
        let session = try await SSHSession.connect(to: sshd.target())
        await session.close()
        await session.close()
        let error = await #expect(throws: SSHError.self) { try await session.run("true") }
        #expect(error?.kind == .closed)
    }

    @Test("a refused connection is a .connect error")
    func connectionRefused() async throws {
        let sshd = try TestSSHD()
        let target = sshd.target()
        sshd.stop()
        let error = await #expect(throws: SSHError.self) { try await SSHSession.connect(to: target) }
        #expect(error?.kind == .connect)
        #expect(error?.function == "ssh_connect")
    }

    @Test("a server that never answers the handshake fails after the timeout")
    func handshakeTimeout() async throws {
        // A listening socket nobody accepts from: the kernel completes the TCP handshake,
        // but no SSH banner ever arrives.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let listening = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && listen(fd, 4) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        try #require(listening)
        let target = SSHTarget(
            host: "127.0.0.1", port: Int(UInt16(bigEndian: address.sin_port)), configFile: "/dev/null",
            knownHostsFile: "/dev/null", useAgent: false, timeout: .seconds(1))
        let clock = ContinuousClock()
        let start = clock.now
        let error = await #expect(throws: SSHError.self) { try await SSHSession.connect(to: target) }
        #expect(error?.kind == .connect)
        #expect(clock.now - start < .seconds(60))  // A hang guard only: how fast is for benchmarks, not tests (a busy machine is slow).
    }

    static func localSHA256(_ path: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        process.arguments = [path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(String(decoding: output, as: UTF8.self).prefix(64))
    }
}

/// Bytes counted by one task and read by another.
final class ByteCount: Sendable {
    private let count = Mutex(0)
    var value: Int { count.withLock { $0 } }
    func add(_ bytes: Int) { count.withLock { $0 += bytes } }
}
