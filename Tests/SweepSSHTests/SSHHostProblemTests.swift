import Foundation
import Testing
import SweepSSH
import SweepTestSupport

/// Hosts that differ from a well-set-up one: no SFTP, keys that cannot be used, changed keys.
@Suite("SSH hosts with problems", .serialized, .timeLimit(.minutes(5)))
struct SSHHostProblemTests {
    @Test("without an SFTP subsystem, uploads go over an exec channel, atomically and hash-checked")
    func uploadWithoutSFTP() async throws {
        let sshd = try TestSSHD(sftp: false, freshHome: true)
        defer { sshd.stop() }
        let home = try #require(sshd.home)
        let local = sshd.directory.appendingPathComponent("payload.bin")
        let bytes = Data((0..<(1_500_000 + 17)).map { UInt8(truncatingIfNeeded: $0 &* 2654435761 >> 7) })
        try bytes.write(to: local)
        let hash = try SSHSessionTests.localSHA256(local.path)
        try await SSHSession.withConnection(to: sshd.target()) { session in
            // The server really has no SFTP.
            let noSFTP = await #expect(throws: SSHError.self) { try await session.fileInfo(atRemotePath: "x") }
            #expect(noSFTP?.kind == .sftp)
            // The relative path lands in the fresh home, which nothing has touched before.
            #expect(try await session.run("pwd").stdoutText == home + "\n")
            let sent = try await session.upload(localPath: local.path, to: ".cache/sweep/bin/x/sweep", mode: 0o755, sha256: hash)
            #expect(sent == UInt64(bytes.count))
            #expect(try await session.run("sha256sum .cache/sweep/bin/x/sweep").stdoutText.prefix(64) == hash)
            #expect(try await session.run("stat -c %a .cache/sweep/bin/x/sweep").stdoutText == "755\n")

            // A wrong hash is refused and leaves neither the file nor a temporary behind.
            let wrong = String(repeating: "0", count: 64)
            let error = await #expect(throws: SSHError.self) {
                try await session.upload(localPath: local.path, to: "data/copy.bin", sha256: wrong)
            }
            #expect(error?.message.contains("expected \(wrong)") == true, "\(String(describing: error))")
            #expect(try await session.run("ls -A data").stdoutText == "")
        }
    }

    @Test("a refused key fails at once and is permanent")
    func refusedKey() async throws {
        let sshd = try TestSSHD()
        defer { sshd.stop() }
        let clock = ContinuousClock()
        let start = clock.now
        let error = await #expect(throws: SSHError.self) {
            try await SSHSession.connect(to: sshd.target(identityFile: sshd.unauthorizedKeyPath))
        }
        #expect(clock.now - start < .seconds(60))  // A hang guard only: how fast is for benchmarks, not tests (a busy machine is slow).
        #expect(error?.kind == .authentication && error?.isPermanent == true)
    }

    @Test("an authorised but passphrase-protected default identity without an agent is named as such")
    func passphraseProtectedIdentity() async throws {
        let sshd = try TestSSHD()
        defer { sshd.stop() }
        let ssh = sshd.directory.appendingPathComponent("locked-ssh").path
        try FileManager.default.createDirectory(atPath: ssh, withIntermediateDirectories: true)
        let key = ssh + "/id_ed25519"
        let keygen = Process()
        keygen.executableURL = URL(fileURLWithPath: "/usr/bin/ssh-keygen")
        keygen.arguments = ["-q", "-t", "ed25519", "-N", "secret words", "-f", key]
        try keygen.run()
        keygen.waitUntilExit()
        let authorized = sshd.directory.appendingPathComponent("authorized_keys")
        let handle = try FileHandle(forWritingTo: authorized)
        handle.seekToEndOfFile()
        handle.write(try Data(contentsOf: URL(fileURLWithPath: key + ".pub")))
        try handle.close()
        var target = sshd.target()
        target.identityFile = nil
        target.sshDirectory = ssh
        let error = await #expect(throws: SSHError.self) { try await SSHSession.connect(to: target) }
        #expect(error?.kind == .authentication)
        #expect(error?.message.contains("\(key) is passphrase-protected") == true, "\(String(describing: error))")
        #expect(error?.message.contains("ssh-add") == true)
        #expect(error?.message.contains("authorized_keys") == false)
    }

    @Test("a changed key names the real ssh-keygen -R command")
    func changedKeyCommand() async throws {
        let sshd = try TestSSHD()
        defer { sshd.stop() }
        try sshd.restartWithNewHostKey()
        let error = await #expect(throws: SSHError.self) { try await SSHSession.connect(to: sshd.target()) }
        #expect(error?.kind == .hostKeyChanged && error?.isPermanent == true)
        #expect(error?.message.contains("ssh-keygen -R '[127.0.0.1]:\(sshd.port)' -f '\(sshd.knownHostsPath)'") == true,
                "\(String(describing: error))")
    }
}
