import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Appending a host key to a known_hosts file, only if the file is one.
///
/// The file comes from a host file or `--known-hosts`, that is from data: libssh's
/// `ssh_session_update_known_hosts` appends to whatever it names (a `victim.txt` got a key line,
/// without a newline) and creates missing folders. sweep writes only to a file that is empty,
/// holds nothing but host-key lines and comments, or is missing from a folder that exists.
enum KnownHostsFile {
    /// Larger files are not read through (a real known_hosts holds a few thousand lines).
    static let maxSize = 16 << 20
    /// Key types OpenSSH writes into known_hosts (certificates as `*-cert-v01@openssh.com`).
    static let keyTypes: Set<String> = [
        "ssh-ed25519", "ssh-rsa", "ssh-dss", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
        "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com", "ssh-ed448",
    ]

    /// Appends `entry` (one `hosts keytype base64` line) to `path`.
    /// - Throws: a sentence saying why `path` is not a known_hosts file or cannot be written.
    static func append(_ entry: String, to path: String) throws(Refusal) {
        var status = stat()
        var flags = O_WRONLY | O_APPEND | O_CLOEXEC | O_NOCTTY | O_NONBLOCK
        if stat(path, &status) == 0 {
            guard status.st_mode & S_IFMT == S_IFREG else { throw Refusal("\(path) is not a regular file") }
            try checkContents(path, size: Int(status.st_size))
        } else {
            guard errno == ENOENT else { throw Refusal("cannot read \(path) (\(String(cString: strerror(errno))))") }
            let folder = (path as NSString).deletingLastPathComponent
            var folderStatus = stat()
            guard stat(folder.isEmpty ? "." : folder, &folderStatus) == 0, folderStatus.st_mode & S_IFMT == S_IFDIR else {
                throw Refusal("the folder of \(path) does not exist; sweep creates a known_hosts file only in an existing folder")
            }
            flags |= O_CREAT | O_EXCL
        }
        let fd = open(path, flags, 0o600)
        guard fd >= 0 else { throw Refusal("cannot open \(path) (\(String(cString: strerror(errno))))") }
        defer { close(fd) }
        var opened = stat()
        // The file checked above must be the one written (no swap in between).
        guard fstat(fd, &opened) == 0, opened.st_mode & S_IFMT == S_IFREG,
              flags & O_CREAT != 0 || (opened.st_ino == status.st_ino && opened.st_dev == status.st_dev) else {
            throw Refusal("\(path) changed while sweep was checking it")
        }
        var text = entry.hasSuffix("\n") ? entry : entry + "\n"
        if opened.st_size > 0, lastByte(fd, size: Int(opened.st_size)) != UInt8(ascii: "\n") { text = "\n" + text }
        let written = text.utf8CString.withUnsafeBufferPointer { write(fd, $0.baseAddress, $0.count - 1) }
        guard written == text.utf8.count else { throw Refusal("cannot write to \(path) (\(String(cString: strerror(errno))))") }
    }

    /// Refuses a file with a line that is neither blank, a comment nor a host-key line.
    private static func checkContents(_ path: String, size: Int) throws(Refusal) {
        guard size <= maxSize else { throw Refusal("\(path) is larger than \(maxSize >> 20) MiB; not a known_hosts file") }
        guard size > 0 else { return }
        guard let data = FileManager.default.contents(atPath: path) else { throw Refusal("cannot read \(path)") }
        var number = 0
        for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            number += 1
            let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespaces)
            if text.isEmpty || text.hasPrefix("#") || isHostKeyLine(text) { continue }
            throw Refusal("\(path) is not a known_hosts file (line \(number) is not a host-key line)")
        }
    }

    /// `[@marker] hosts keytype base64 [comment]`, as sshd's known_hosts format has it.
    static func isHostKeyLine(_ line: String) -> Bool {
        var fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
        if let first = fields.first, first.hasPrefix("@") {
            guard first == "@cert-authority" || first == "@revoked" else { return false }
            fields.removeFirst()
        }
        guard fields.count >= 3 else { return false }
        let type = String(fields[1])
        let knownType = keyTypes.contains(type) || (type.hasSuffix("-cert-v01@openssh.com")
            && keyTypes.contains(String(type.dropLast("-cert-v01@openssh.com".count))))
        return knownType && Data(base64Encoded: String(fields[2])) != nil
    }

    private static func lastByte(_ fd: Int32, size: Int) -> UInt8? {
        var byte: UInt8 = 0
        return pread(fd, &byte, 1, off_t(size - 1)) == 1 ? byte : nil
    }

    /// Why a key was not recorded.
    struct Refusal: Error {
        let message: String
        init(_ message: String) { self.message = message }
    }
}
