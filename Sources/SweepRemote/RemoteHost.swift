import Foundation
import SweepCoordinator
import SweepCore
import SweepSSH

#if canImport(Glibc)
import Glibc
#endif

/// What a host said about itself when checked.
public struct HostReport: Sendable {
    public var name: String
    /// `user@host:port` as connected.
    public var endpoint: String
    /// Connect + authenticate time in seconds.
    public var connectSeconds: Double
    /// Round trip of a trivial command over the open session, in seconds.
    public var latencySeconds: Double
    /// `uname -sm`, e.g. "Linux x86_64".
    public var system: String
    public var cores: Int
    /// Whether `~/.cache/sweep/bin/<hash>/sweep` of this binary's hash is there.
    public var hasBinary: Bool
}

/// Operations on one worker host over SSH: connecting as its host file says, checking it,
/// and making sure it has this coordinator's binary.
public enum RemoteHost {
    /// The SSH target a host file describes.
    public static func target(_ host: HostFile, acceptNew: Bool = false) -> SSHTarget {
        SSHTarget(host: host.address, port: host.port, user: host.user, identityFile: host.identity,
                  configFile: host.sshConfig, knownHostsFile: host.knownHosts,
                  hostKeyPolicy: acceptNew ? .acceptNew : .strict)
    }

    /// Where a binary with hash `hash` lives on a host, relative to the remote home.
    public static func binaryPath(hash: String) -> String {
        ".cache/sweep/bin/\(hash)/sweep"
    }

    /// Logs in and reports latency, system, cores and whether the binary is there.
    public static func check(_ host: HostFile, binaryHash: String, acceptNew: Bool = false) async throws -> HostReport {
        let start = ContinuousClock.now
        let session = try await SSHSession.connect(to: target(host, acceptNew: acceptNew))
        do {
            let connected = ContinuousClock.now
            _ = try await session.run("true")
            let latency = ContinuousClock.now - connected
            let facts = try await session.run("uname -sm; nproc; test -x \(binaryPath(hash: binaryHash)) && echo present || echo absent")
            let lines = facts.stdoutText.split(separator: "\n").map(String.init)
            let report = HostReport(
                name: host.name, endpoint: await session.endpoint, connectSeconds: (connected - start).seconds,
                latencySeconds: latency.seconds, system: lines.first ?? "?",
                cores: lines.count > 1 ? Int(lines[1]) ?? 0 : 0, hasBinary: lines.last == "present")
            await session.close()
            return report
        } catch {
            await session.close()
            throw error
        }
    }

    /// Makes sure the host has the binary at `localPath` (whose SHA-256 is `hash`): uploads
    /// it over SFTP when missing (atomically, mode 0755), then checks that it starts there.
    /// - Returns: the remote path, relative to the remote home.
    /// - Throws: `RemoteHostError` for another architecture or missing shared libraries.
    public static func ensureBinary(on session: SSHSession, name: String, localPath: String, hash: String) async throws -> String {
        let path = binaryPath(hash: hash)
        let present = try await session.run("test -x \(path) && echo present; uname -m")
        let lines = present.stdoutText.split(separator: "\n").map(String.init)
        if !lines.contains("present") {
            let remoteArch = lines.last ?? "?"
            let localArch = localMachine()
            guard remoteArch == localArch else {
                throw RemoteHostError(host: name, message:
                    "is \(remoteArch) but this sweep binary is \(localArch); build sweep on that host "
                    + "(swift build -c release) or launch from a coordinator of the same architecture")
            }
            try await session.upload(localPath: localPath, to: path, mode: 0o755)
        }
        let version = try await session.run("\(path) --version")
        guard version.exitStatus == 0 else {
            throw RemoteHostError(host: name, message: "cannot run \(path): " + explain(version.stderrText))
        }
        return path
    }

    /// Copies a data file to the host unless it already has it with the right SHA-256,
    /// then checks the copy's SHA-256 there.
    /// - Throws: `RemoteHostError` when the copy on the host does not match.
    public static func ensure(_ file: DataFile, on session: SSHSession, name: String) async throws {
        let check = "sha256sum \(shellQuoted(file.remotePath)) 2>/dev/null"
        if try await session.run(check).stdoutText.hasPrefix(file.sha256) { return }
        try await session.upload(localPath: file.localPath, to: file.remotePath, mode: 0o644)
        let copied = try await session.run(check).stdoutText
        guard copied.hasPrefix(file.sha256) else {
            throw RemoteHostError(host: name, message: "has a corrupt copy of \(file.remotePath) after upload "
                + "(sha256 \(copied.prefix(64)), expected \(file.sha256))")
        }
    }

    /// `'text'` for a POSIX shell.
    static func shellQuoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// Names the package that provides a missing shared library, when we know it.
    static func explain(_ stderr: String) -> String {
        let text = stderr.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let range = text.range(of: "error while loading shared libraries: ") else { return text }
        let library = text[range.upperBound...].prefix { $0 != ":" }
        let packages = ["libssh.so": "libssh-4", "libsqlite3.so": "libsqlite3-0", "libcrypto.so": "libssl3",
                        "libz.so": "zlib1g", "libswift": "the Swift runtime (or build the coordinator with --static-swift-stdlib)",
                        "libFoundation": "the Swift runtime (or build the coordinator with --static-swift-stdlib)"]
        let hint = packages.first { library.hasPrefix($0.key) }.map { "install \($0.value) on the host" }
            ?? "install the package that provides it on the host"
        return "missing shared library \(library): \(hint)"
    }

    static func localMachine() -> String {
        var name = utsname()
        uname(&name)
        return withUnsafeBytes(of: &name.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }
}

/// A host that cannot serve as a worker, and what to do about it.
public struct RemoteHostError: Error, Sendable, CustomStringConvertible {
    public var host: String
    public var message: String

    public var description: String { "host \(host) \(message)" }
}

extension Duration {
    var seconds: Double {
        let (s, attoseconds) = components
        return Double(s) + Double(attoseconds) / 1e18
    }
}
