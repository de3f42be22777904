import Foundation
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
    /// Whether `~/.cache/sweep/bin/<hash>/sweep` of this binary's hash was there before the check.
    public var hasBinary: Bool
    /// Whether the check shipped the binary and started it there (the launch preflight).
    public var binaryStarts: Bool
    /// The host key `--accept-new` recorded (`ssh-ed25519 key SHA256:... recorded in PATH`).
    public var recordedHostKey: String?
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

    /// Logs in and reports latency, system, cores and whether the binary is there. With
    /// `preflight`, also runs what `launch` runs before starting a worker (`ensureBinary`:
    /// architecture and CPU features, upload, the binary starts), so a host that cannot work
    /// is refused when it is added or checked rather than in the middle of a sweep.
    /// - Throws: `SSHError` or `RemoteHostError`; `RemoteHost.explain(_:host:)` words them.
    public static func check(_ host: HostFile, binary: (path: String, hash: String), acceptNew: Bool = false,
                             preflight: Bool = true) async throws -> HostReport {
        let start = ContinuousClock.now
        let session = try await SSHSession.connect(to: target(host, acceptNew: acceptNew))
        do {
            let connected = ContinuousClock.now
            _ = try await session.run("true")
            let latency = ContinuousClock.now - connected
            let facts = try await session.run("uname -sm; nproc; test -x \(binaryPath(hash: binary.hash)) && echo present || echo absent")
            let lines = facts.stdoutText.split(separator: "\n").map(String.init)
            if preflight {
                _ = try await ensureBinary(on: session, name: host.name, localPath: binary.path, hash: binary.hash)
            }
            let report = HostReport(
                name: host.name, endpoint: await session.endpoint, connectSeconds: (connected - start).seconds,
                latencySeconds: latency.seconds, system: lines.first ?? "?",
                cores: lines.count > 1 ? Int(lines[1]) ?? 0 : 0, hasBinary: lines.last == "present", binaryStarts: preflight,
                recordedHostKey: await session.recordedHostKey)
            await session.close()
            return report
        } catch {
            await session.close()
            throw error
        }
    }

    /// CPU features the binary needs on x86-64: KANKit is built for x86-64-v3 (Package.swift),
    /// whose kernels use AVX2 and FMA; names as in the `flags` line of /proc/cpuinfo.
    #if arch(x86_64)
    static let requiredCPUFlags = ["avx", "avx2", "bmi1", "bmi2", "f16c", "fma", "movbe"]
    #else
    static let requiredCPUFlags: [String] = []
    #endif

    /// The required CPU flags missing from a /proc/cpuinfo `flags` line.
    static func missingCPUFlags(_ flagsLine: String) -> [String] {
        let present = Set(flagsLine.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == ":" }).map(String.init))
        return requiredCPUFlags.filter { !present.contains($0) }
    }

    /// Makes sure the host can run the binary at `localPath` (whose SHA-256 is `hash`):
    /// checks the architecture and CPU features, uploads it when missing (atomically, mode
    /// 0755, hash-checked on the host; over SFTP or, without it, an exec channel), then checks
    /// that it starts there. Marks it used in the host's `BinaryCache` and prunes older builds.
    /// - Returns: the remote path, relative to the remote home.
    /// - Throws: `RemoteHostError` (permanent) for another architecture, missing CPU features,
    ///   missing shared libraries or an upload the host refuses.
    public static func ensureBinary(on session: SSHSession, name: String, localPath: String, hash: String) async throws -> String {
        let path = binaryPath(hash: hash)
        let facts = try await session.run("test -x \(path) && echo present; uname -m; grep -m1 '^flags' /proc/cpuinfo")
        let lines = facts.stdoutText.split(separator: "\n").map(String.init)
        let remoteArch = lines.first { $0 != "present" } ?? "?"
        let localArch = localMachine()
        guard remoteArch == localArch else {
            throw RemoteHostError(host: name, message:
                "is \(remoteArch) but this sweep binary is \(localArch); build sweep on that host "
                + "(swift build -c release) or launch from a coordinator of the same architecture")
        }
        if let flags = lines.first(where: { $0.hasPrefix("flags") }) {
            let missing = missingCPUFlags(flags)
            guard missing.isEmpty else {
                throw RemoteHostError(host: name, message:
                    "lacks CPU features this binary was built for (x86-64-v3): \(missing.joined(separator: ", ")). "
                    + "Use a newer machine, or build a portable binary (drop -march=x86-64-v3 in Package.swift)")
            }
        }
        if !lines.contains("present") {
            do {
                try await session.upload(localPath: localPath, to: path, mode: 0o755, sha256: hash)
            } catch let error as SSHError where error.kind == .channel || error.kind == .sftp {
                throw RemoteHostError(host: name, message:
                    "cannot receive the sweep binary at ~/\(path): \(error.message). Check the disk space and "
                    + "permissions of ~/.cache there")
            }
        }
        let version = try await session.run(BinaryCache.markUsedAndPruneScript(hash: hash) + "; \(path) --version")
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
        // The host checks the copy's SHA-256 before it takes the final name.
        try await session.upload(localPath: file.localPath, to: file.remotePath, mode: 0o644, sha256: file.sha256)
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

/// A host that cannot serve as a worker, and what to do about it. Retrying does not help
/// (another architecture, a missing library): the sweep drops the host at once.
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
