import CLibSSH
import Foundation

#if canImport(Glibc)
import Glibc
#endif

extension SSHSession {
    /// Copies a local file to `remotePath` atomically over an exec channel (like `scp -O`),
    /// creating missing parent directories; works on hosts without an SFTP subsystem.
    ///
    /// The file is streamed into `cat` writing a hidden temporary name next to the target; the
    /// channel window is the only flow control, so there is no round trip per chunk (through a
    /// jump host this is several times faster than libssh 0.10's synchronous SFTP writes). Once
    /// the input ends the host checks the copy's size and, when given, its SHA-256
    /// (`sha256sum`), sets `mode` and renames it over `remotePath` (`mv -f`, i.e. rename(2)):
    /// readers never see a partial or corrupt file, and a failed upload removes its temporary
    /// file (`trap ... EXIT`). Needs a POSIX shell, `cat`, `wc`, `mkdir`, `mv` (and `sha256sum`)
    /// there. Other requests of the session run between chunks.
    /// - Parameters:
    ///   - localPath: The file to send.
    ///   - remotePath: Absolute path on the host, or relative to the remote user's home.
    ///   - mode: Permission bits of the result, e.g. `0o755` for an executable.
    ///   - sha256: The file's SHA-256 in lower-case hex, checked on the host before the copy
    ///     takes its name; nil checks the size only.
    /// - Returns: The number of bytes uploaded.
    /// - Throws: `SSHError` of kind `.localFile`, or `.channel` when the host refused or could
    ///   not verify the copy (the message has the host's reason).
    @discardableResult
    public func upload(localPath: String, to remotePath: String, mode: UInt32 = 0o644, sha256: String? = nil) async throws -> UInt64 {
        precondition(mode <= 0o7777, "upload mode \(String(mode, radix: 8)) is not a permission mask")
        precondition(!remotePath.isEmpty && !remotePath.hasSuffix("/"), "upload needs a remote file path, got '\(remotePath)'")
        precondition(sha256.map { $0.count == 64 && $0.allSatisfy(\.isHexDigit) } ?? true, "sha256 must be 64 hex digits")
        let local = try openLocal(localPath)
        defer { Glibc.close(local) }
        var status = stat()
        guard fstat(local, &status) == 0 else {
            throw SSHError(kind: .localFile, function: "fstat", code: errno, message: "cannot read \(localPath)", host: endpoint)
        }
        let channel = try openExec(Self.uploadScript(to: remotePath, size: Int64(status.st_size), mode: mode, sha256: sha256))
        do {
            let total = try await stream(local, localPath: localPath) { try write($0, toChannel: channel.id) }
            try closeInput(ofChannel: channel.id)
            var exitStatus: Int32 = -1
            var stderr: [UInt8] = []
            for try await event in channel.events {
                switch event {
                case .stdout: break
                case .stderr(let bytes): stderr += bytes.prefix(max(0, 4096 - stderr.count))
                case .exit(let status, _): exitStatus = status
                }
            }
            guard exitStatus == 0 else {
                let reason = String(decoding: stderr, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                throw SSHError(kind: .channel, function: "upload", code: exitStatus,
                               message: "cannot upload \(remotePath): \(reason.isEmpty ? "exit status \(exitStatus)" : reason)", host: endpoint)
            }
            return total
        } catch {
            closeChannel(channel.id)
            throw error
        }
    }

    /// The shell script that receives an upload on stdin; see `upload(localPath:to:mode:sha256:)`.
    static func uploadScript(to remotePath: String, size: Int64, mode: UInt32, sha256: String?) -> String {
        let (directory, name) = split(remotePath)
        let temporary = shellQuoted(temporaryName(directory, name))
        var script = "set -e; umask 077; trap \(shellQuoted("rm -f -- \(temporary)")) EXIT; "
        if let directory { script += "mkdir -p -- \(shellQuoted(directory)); " }
        script += "cat > \(temporary); "
        script += "size=$(wc -c < \(temporary)); "
        script += "[ \"$size\" -eq \(size) ] || { echo \"received $size of \(size) bytes\" >&2; exit 1; }; "
        if let sha256 {
            script += "hash=$(sha256sum < \(temporary)); "
            script += "[ \"${hash%% *}\" = \(sha256) ] || { echo \"sha256 ${hash%% *}, expected \(sha256)\" >&2; exit 1; }; "
        }
        return script + "chmod \(String(mode, radix: 8)) \(temporary); mv -f -- \(temporary) \(shellQuoted(remotePath))"
    }
}
