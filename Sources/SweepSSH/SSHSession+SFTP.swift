import CLibSSH
import Foundation

#if canImport(Glibc)
import Glibc
#endif

extension SSHSession {
    /// Bytes per SFTP write: one request round trip each, well under OpenSSH's 256 KiB limit.
    static let uploadChunkSize = 128 * 1024

    /// Copies a local file to `remotePath` atomically, creating missing parent directories.
    ///
    /// Over SFTP when the host has the subsystem, else (minimal sshd configurations, some
    /// appliances) over an exec channel like `scp -O`: see `uploadOverExec`. Over SFTP it
    /// writes to a hidden temporary name next to the target (`sftp_open`, `sftp_write`),
    /// flushes it to disk when the server supports `fsync@openssh.com` (`sftp_fsync`), sets
    /// `mode` (`sftp_chmod`) and renames it over `remotePath` (`sftp_rename`, or
    /// `mv -f` when the target exists, see `rename(_:over:_:)`). Readers never see a half-written file; on
    /// failure the temporary file is removed. Other requests of the session run between chunks.
    /// - Parameters:
    ///   - localPath: The file to send.
    ///   - remotePath: Absolute path on the host, or relative to the remote user's home.
    ///   - mode: Permission bits of the result, e.g. `0o755` for an executable.
    ///   - sha256: When given, the copy's SHA-256 (lower-case hex) is checked on the host
    ///     (`sha256sum`) before it replaces `remotePath`; a mismatch throws and leaves nothing.
    /// - Returns: The number of bytes uploaded.
    /// - Throws: `SSHError` of kind `.localFile`, `.sftp` or `.channel`.
    @discardableResult
    public func upload(localPath: String, to remotePath: String, mode: UInt32 = 0o644, sha256: String? = nil) async throws -> UInt64 {
        precondition(mode <= 0o7777, "upload mode \(String(mode, radix: 8)) is not a permission mask")
        precondition(!remotePath.isEmpty && !remotePath.hasSuffix("/"), "upload needs a remote file path, got '\(remotePath)'")
        precondition(sha256.map { $0.count == 64 && $0.allSatisfy(\.isHexDigit) } ?? true, "sha256 must be 64 hex digits")
        let local = try openLocal(localPath)
        defer { Glibc.close(local) }
        guard let sftp = try sftpSessionIfAvailable() else {
            return try await uploadOverExec(from: local, localPath: localPath, to: remotePath, mode: mode, sha256: sha256)
        }
        if let directory = Self.split(remotePath).directory { try makeDirectories(directory, sftp) }
        let temporary = Self.temporaryName(for: remotePath)
        guard let file = sftp_open(sftp, temporary, O_WRONLY | O_CREAT | O_TRUNC, mode_t(0o600)) else {
            throw sftpError("sftp_open(\(temporary))", sftp)
        }
        var fileOpen = true
        do {
            let total = try await copy(from: local, localPath: localPath, to: file, sftp)
            if sftp_extension_supported(sftp, "fsync@openssh.com", "1") != 0, sftp_fsync(file) != 0 {
                throw sftpError("sftp_fsync(\(temporary))", sftp)
            }
            fileOpen = false
            if sftp_close(file) != SSH_OK { throw sftpError("sftp_close(\(temporary))", sftp) }
            if sftp_chmod(sftp, temporary, mode_t(mode)) != 0 { throw sftpError("sftp_chmod(\(temporary))", sftp) }
            if let sha256 {
                let check = try await run(Self.hashCheck(Self.shellQuoted(temporary), sha256))
                guard check.exitStatus == 0 else { throw uploadFailure(remotePath, check) }
            }
            try await rename(temporary, over: remotePath, sftp)
            return total
        } catch {
            // After close() the SFTP session (and with it `file`) is gone: nothing to clean.
            if self.sftp == sftp {
                if fileOpen { _ = sftp_close(file) }
                if let handle, isAlive(handle) { _ = sftp_unlink(sftp, temporary) }
            }
            throw error
        }
    }

    /// Renames `source` to `destination`, replacing it atomically if it exists.
    ///
    /// libssh 0.10's `sftp_rename` sends plain SSH_FXP_RENAME, which OpenSSH refuses when the
    /// destination exists (it has no `posix-rename@openssh.com` call), so replacing falls back
    /// to `mv -f`, i.e. rename(2), over an exec channel.
    private func rename(_ source: String, over destination: String, _ sftp: sftp_session) async throws {
        if sftp_rename(sftp, source, destination) == 0 { return }
        let renameError = sftpError("sftp_rename(\(source), \(destination))", sftp)
        guard renameError.kind == .sftp, try fileInfo(atRemotePath: destination) != nil else { throw renameError }
        let moved = try await run("mv -f -- \(Self.shellQuoted(source)) \(Self.shellQuoted(destination))")
        guard moved.exitStatus == 0 else {
            throw SSHError(
                kind: .sftp, function: "mv", code: moved.exitStatus,
                message: "cannot replace \(destination): \(moved.stderrText)", host: endpoint)
        }
    }

    /// `text` as one single-quoted POSIX shell word.
    static func shellQuoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// Describes `remotePath` (`sftp_stat`, following symlinks), or returns `nil` if it does
    /// not exist.
    /// - Throws: `SSHError` of kind `.sftp` for other failures (permission denied, ...).
    public func fileInfo(atRemotePath remotePath: String) throws -> SSHRemoteFileInfo? {
        let sftp = try sftpSession()
        guard let attributes = sftp_stat(sftp, remotePath) else {
            if sftp_get_error(sftp) == SSH_FX_NO_SUCH_FILE { return nil }
            throw sftpError("sftp_stat(\(remotePath))", sftp)
        }
        defer { sftp_attributes_free(attributes) }
        return SSHRemoteFileInfo(
            size: attributes.pointee.size, permissions: attributes.pointee.permissions & 0o7777,
            isDirectory: attributes.pointee.type == SSH_FILEXFER_TYPE_DIRECTORY)
    }

    /// Opens `path` for reading.
    private func openLocal(_ path: String) throws -> Int32 {
        let local = open(path, O_RDONLY | O_CLOEXEC)
        guard local >= 0 else {
            throw SSHError(kind: .localFile, function: "open", code: errno, message: "cannot read \(path): \(String(cString: strerror(errno)))", host: endpoint)
        }
        return local
    }

    /// The SFTP subsystem, or nil when the server refuses it (remembered for the session).
    private func sftpSessionIfAvailable() throws -> sftp_session? {
        guard !sftpUnavailable else { return nil }
        do {
            return try sftpSession()
        } catch let error as SSHError where error.kind == .sftp {
            sftpUnavailable = true
            return nil
        }
    }

    /// Streams the open local file into `cat` on the host, then checks its size (and
    /// `sha256`) there before `mv -f` puts it in place: an upload cut short never replaces
    /// `remotePath`. The temporary file is removed on every failure (`trap ... EXIT`).
    private func uploadOverExec(from local: Int32, localPath: String, to remotePath: String, mode: UInt32,
                                sha256: String?) async throws -> UInt64 {
        var status = stat()
        guard fstat(local, &status) == 0 else {
            throw SSHError(kind: .localFile, function: "fstat", code: errno, message: "cannot read \(localPath)", host: endpoint)
        }
        let (directory, _) = Self.split(remotePath)
        let temporary = Self.shellQuoted(Self.temporaryName(for: remotePath))
        var script = "set -e; umask 077; trap 'rm -f -- \(temporary.replacingOccurrences(of: "'", with: "'\\''"))' EXIT; "
        if let directory { script += "mkdir -p -- \(Self.shellQuoted(directory)); " }
        script += "cat > \(temporary); "
        script += "size=$(wc -c < \(temporary)); [ \"$size\" -eq \(status.st_size) ] || { echo \"received $size of \(status.st_size) bytes\" >&2; exit 1; }; "
        if let sha256 { script += Self.hashCheck(temporary, sha256) + "; " }
        script += "chmod \(String(mode, radix: 8)) \(temporary); mv -f -- \(temporary) \(Self.shellQuoted(remotePath))"
        let channel = try openExec(script)
        do {
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.uploadChunkSize, alignment: 16)
            defer { buffer.deallocate() }
            var total: UInt64 = 0
            var chunks = 0
            while true {
                let count = read(local, buffer.baseAddress, buffer.count)
                if count < 0 {
                    if errno == EINTR { continue }
                    throw SSHError(kind: .localFile, function: "read", code: errno, message: "cannot read \(localPath): \(String(cString: strerror(errno)))", host: endpoint)
                }
                if count == 0 { break }
                try write(UnsafeRawBufferPointer(rebasing: buffer[..<count]), toChannel: channel.id)
                total += UInt64(count)
                chunks += 1
                if chunks % 8 == 0 { await Task.yield() }
            }
            try closeInput(ofChannel: channel.id)
            var result = SSHCommandResult(stdout: [], stderr: [], exitStatus: -1)
            for try await event in channel.events {
                switch event {
                case .stdout: break
                case .stderr(let bytes): result.stderr += bytes.prefix(4096 - result.stderr.count)
                case .exit(let status, let signal): (result.exitStatus, result.exitSignal) = (status, signal)
                }
            }
            guard result.exitStatus == 0 else { throw uploadFailure(remotePath, result) }
            return total
        } catch {
            closeChannel(channel.id)
            throw error
        }
    }

    /// A shell command that exits non-zero, saying why, unless the SHA-256 of the file at
    /// `quotedPath` (a shell word) is `sha256`.
    static func hashCheck(_ quotedPath: String, _ sha256: String) -> String {
        "hash=$(sha256sum < \(quotedPath)) && [ \"${hash%% *}\" = \(sha256) ] || { echo \"sha256 ${hash%% *}, expected \(sha256)\" >&2; exit 1; }"
    }

    /// An upload the host refused or could not verify.
    private func uploadFailure(_ remotePath: String, _ result: SSHCommandResult) -> SSHError {
        SSHError(kind: .channel, function: "upload", code: result.exitStatus,
                 message: "cannot upload \(remotePath): \(result.stderrText.trimmingCharacters(in: .whitespacesAndNewlines))",
                 host: endpoint)
    }

    /// A hidden, unique name next to `remotePath`.
    static func temporaryName(for remotePath: String) -> String {
        let (directory, name) = split(remotePath)
        return (directory.map { $0 + "/" } ?? "") + ".\(name).upload-\(UInt32.random(in: 0 ... .max))"
    }

    /// The session's SFTP subsystem, started on first use (`sftp_new` + `sftp_init`).
    private func sftpSession() throws -> sftp_session {
        let handle = try liveHandle("sftp_new")
        if let sftp { return sftp }
        guard let created = sftp_new(handle) else { throw lastError("sftp_new", .sftp) }
        guard sftp_init(created) == SSH_OK else {
            let error = sftpError("sftp_init", created)
            sftp_free(created)
            throw error
        }
        sftp = created
        return created
    }

    /// Streams the local file into the open remote file; yields the owner thread every few
    /// chunks so channel output and other requests keep flowing during big uploads.
    private func copy(from local: Int32, localPath: String, to file: sftp_file, _ sftp: sftp_session) async throws -> UInt64 {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.uploadChunkSize, alignment: 16)
        defer { buffer.deallocate() }
        var total: UInt64 = 0
        var chunks = 0
        while true {
            let count = read(local, buffer.baseAddress, buffer.count)
            if count < 0 {
                if errno == EINTR { continue }
                throw SSHError(kind: .localFile, function: "read", code: errno, message: "cannot read \(localPath): \(String(cString: strerror(errno)))", host: endpoint)
            }
            if count == 0 { return total }
            var offset = 0
            while offset < count {
                let written = sftp_write(file, buffer.baseAddress! + offset, count - offset)
                guard written > 0 else { throw sftpError("sftp_write", sftp) }
                offset += written
            }
            total += UInt64(count)
            chunks += 1
            if chunks % 8 == 0 {
                await Task.yield()
                _ = try liveHandle("sftp_write")
            }
        }
    }

    /// `mkdir -p` over SFTP: creates each missing component of `directory` with mode 0755.
    private func makeDirectories(_ directory: String, _ sftp: sftp_session) throws {
        var path = directory.hasPrefix("/") ? "" : "."
        for component in directory.split(separator: "/") {
            path += "/" + component
            if sftp_mkdir(sftp, path, 0o755) == 0 { continue }
            let status = sftp_get_error(sftp)
            // Existing components report FILE_ALREADY_EXISTS, or FAILURE on older servers.
            guard status == SSH_FX_FILE_ALREADY_EXISTS || status == SSH_FX_FAILURE,
                  let info = try fileInfo(atRemotePath: path), info.isDirectory else {
                throw sftpError("sftp_mkdir(\(path))", sftp)
            }
        }
    }

    /// Splits `a/b/c` into (`a/b`, `c`); a bare name has no directory.
    static func split(_ path: String) -> (directory: String?, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (nil, path) }
        let directory = String(path[..<slash])
        return (directory.isEmpty ? "/" : directory, String(path[path.index(after: slash)...]))
    }

    /// An `SSHError` from the SFTP status (`sftp_get_error`) and the session's message.
    private func sftpError(_ function: String, _ sftp: sftp_session) -> SSHError {
        var error = lastError(function, .sftp)
        if error.kind == .sftp { error.code = sftp_get_error(sftp) }
        return error
    }
}
