import CLibSSH
import Foundation

#if canImport(Glibc)
import Glibc
#endif

extension SSHSession {
    /// Bytes per SFTP write: one request round trip each, well under OpenSSH's 256 KiB limit.
    static let uploadChunkSize = 128 * 1024

    /// Copies a local file to `remotePath` over SFTP, atomically, creating missing parent
    /// directories. `upload(localPath:to:mode:sha256:)` is faster and needs no SFTP subsystem:
    /// libssh 0.10 waits for each write's reply, which through a jump host costs a round trip
    /// (and a delayed ACK) per chunk.
    ///
    /// Writes to a hidden temporary name next to the target (`sftp_open`, `sftp_write`),
    /// flushes it to disk when the server supports `fsync@openssh.com` (`sftp_fsync`), sets
    /// `mode` (`sftp_chmod`) and renames it over `remotePath` (`sftp_rename`, or
    /// `mv -f` when the target exists, see `rename(_:over:_:)`). Readers never see a half-written file; on
    /// failure the temporary file is removed. Other requests of the session run between chunks.
    /// - Parameters:
    ///   - localPath: The file to send.
    ///   - remotePath: Absolute path on the host, or relative to the remote user's home.
    ///   - mode: Permission bits of the result, e.g. `0o755` for an executable.
    /// - Returns: The number of bytes uploaded.
    /// - Throws: `SSHError` of kind `.localFile` or `.sftp`.
    @discardableResult
    public func uploadOverSFTP(localPath: String, to remotePath: String, mode: UInt32 = 0o644) async throws -> UInt64 {
        precondition(mode <= 0o7777, "upload mode \(String(mode, radix: 8)) is not a permission mask")
        precondition(!remotePath.isEmpty && !remotePath.hasSuffix("/"), "upload needs a remote file path, got '\(remotePath)'")
        let sftp = try sftpSession()
        let local = try openLocal(localPath)
        defer { Glibc.close(local) }

        let (directory, name) = Self.split(remotePath)
        if let directory { try makeDirectories(directory, sftp) }
        let temporary = Self.temporaryName(directory, name)
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

    /// Opens `path` for reading.
    func openLocal(_ path: String) throws -> Int32 {
        let local = open(path, O_RDONLY | O_CLOEXEC)
        guard local >= 0 else {
            throw SSHError(kind: .localFile, function: "open", code: errno, message: "cannot read \(path): \(String(cString: strerror(errno)))", host: endpoint)
        }
        return local
    }

    /// A hidden, unique name in `directory`, next to the file `name`.
    static func temporaryName(_ directory: String?, _ name: String) -> String {
        (directory.map { $0 + "/" } ?? "") + ".\(name).upload-\(UInt32.random(in: 0 ... .max))"
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

    /// Streams the local file into the open remote file.
    private func copy(from local: Int32, localPath: String, to file: sftp_file, _ sftp: sftp_session) async throws -> UInt64 {
        try await stream(local, localPath: localPath, afterYield: { _ = try liveHandle("sftp_write") }) { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = sftp_write(file, bytes.baseAddress! + offset, bytes.count - offset)
                guard written > 0 else { throw sftpError("sftp_write", sftp) }
                offset += written
            }
        }
    }

    /// Reads the local file in `uploadChunkSize` pieces and hands each to `send`, yielding the
    /// owner thread every few pieces (then calling `afterYield`) so that channel output and
    /// other requests keep flowing during big uploads; returns the bytes sent.
    func stream(_ local: Int32, localPath: String, afterYield: () throws -> Void = {},
                send: (UnsafeRawBufferPointer) throws -> Void) async throws -> UInt64 {
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
            try send(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
            total += UInt64(count)
            chunks += 1
            if chunks % 8 == 0 {
                await owner.yield()
                try afterYield()
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
