#if canImport(Glibc)
import Glibc
#endif
import Foundation
import SweepCore

/// An attempt's scratch folder, `$TMPDIR/sweep-job-LABEL-pPID-XXXXXX`, owned by the
/// process that made it (PID) for as long as that process holds a lock on it.
///
/// The owner removes it when the attempt ends. An owner killed mid-attempt (timeout,
/// cancel, lost host, kill -9) cannot, so a worker removes *abandoned* folders (at its
/// start, when one of its runners dies, at its end): those whose lock is free (`flock`,
/// which the kernel drops with the owner) and whose owner is gone. Both are needed: the
/// lock is taken just after the folder is made, and a live owner in another pid
/// namespace still holds its lock. Two workers on one machine never remove each other's
/// live folders.
public final class JobFolder: Sendable {
    public let path: String
    /// The folder opened and `flock`ed; closed by `remove()`.
    private let lock: Descriptor

    /// The folder job folders go in: `$TMPDIR`, else `/tmp`.
    public static var base: String {
        ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
    }

    static let prefix = "sweep-job-"

    /// Makes and locks a fresh folder under `base`; `label` (the job and attempt) helps a
    /// person reading `/tmp`. The corresponding C functions are `mkdtemp` and `flock`.
    public init(label: String, base: String = JobFolder.base) throws {
        var template = Array("\(base)/\(Self.prefix)\(label)-p\(getpid())-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw FileError(path: base, operation: "make a job folder in", errno: errno)
        }
        path = String(cString: made)
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0, flock(fd, LOCK_EX) == 0 else {
            let code = errno
            if fd >= 0 { close(fd) }
            rmdir(path)
            throw FileError(path: path, operation: "lock", errno: code)
        }
        lock = Descriptor(fd)
    }

    /// Removes the folder and everything in it, then lets go of the lock.
    public func remove() {
        Self.removeTree(path)
        lock.close()
    }

    /// Removes the abandoned job folders in `base` (this user's only); returns how many.
    @discardableResult
    public static func removeAbandoned(in base: String = JobFolder.base) -> Int {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: base) else { return 0 }
        var removed = 0
        for name in names where name.hasPrefix(prefix) {
            guard let owner = owner(of: name) else { continue }  // not named by this version
            let path = base + "/" + name
            var info = stat()
            guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR, info.st_uid == getuid() else { continue }
            let fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard fd >= 0 else { continue }
            defer { close(fd) }
            guard flock(fd, LOCK_EX | LOCK_NB) == 0 else { continue }  // its owner holds it
            guard isGone(owner) else { continue }  // made, not yet locked
            removeTree(path)
            removed += 1
        }
        return removed
    }

    /// The owner's pid in a folder's name (`...-pPID-XXXXXX`).
    static func owner(of name: String) -> pid_t? {
        let parts = name.split(separator: "-")
        guard parts.count >= 2, parts[parts.count - 2].hasPrefix("p"),
              let pid = pid_t(parts[parts.count - 2].dropFirst()), pid > 0 else { return nil }
        return pid
    }

    /// Whether no process `pid` runs: none, or a zombie (an orphan that init has not reaped).
    static func isGone(_ pid: pid_t) -> Bool {
        if kill(pid, 0) != 0 { return errno == ESRCH }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[stat.index(after: close)...].split(separator: " ").first
        return state == "Z" || state == "X"
    }

    /// Removes `path` with its content, links not followed; a folder the program made
    /// read-only is made writable first.
    static func removeTree(_ path: String) {
        if (try? FileManager.default.removeItem(atPath: path)) != nil { return }
        if let walker = FileManager.default.enumerator(atPath: path) {
            chmod(path, 0o700)
            while let relative = walker.nextObject() as? String {
                if walker.fileAttributes?[.type] as? FileAttributeType == .typeDirectory { chmod(path + "/" + relative, 0o700) }
            }
        }
        try? FileManager.default.removeItem(atPath: path)
    }
}
