#if canImport(Glibc)
import Glibc
#endif
import Foundation
import SweepCore

/// The `files` of a command job: read from the spec's folder at plan time into a manifest
/// of (path, SHA-256, size, executable) that replaces the list in the job's config, so
/// the content is part of the job key. The content itself goes to a content-addressed
/// cache, `~/.cache/sweep/files/<sha256>`, here at plan time and on a host before its
/// first job (as data files are shipped); each attempt copies it into a fresh folder.
enum CommandFiles {
    /// One file of the manifest.
    struct Entry: Sendable, Hashable {
        var path: String
        var sha256: String
        var size: Int
        var executable: Bool

        var json: JSONValue {
            ["path": .string(path), "sha256": .string(sha256), "size": .int(size), "executable": .bool(executable)]
        }

        init(path: String, sha256: String, size: Int, executable: Bool) {
            (self.path, self.sha256, self.size, self.executable) = (path, sha256, size, executable)
        }

        /// Reads an entry of a resolved config's manifest.
        init?(_ value: JSONValue) {
            guard let path = value["path"]?.stringValue, let sha256 = value["sha256"]?.stringValue,
                  let size = value["size"]?.intValue, let executable = value["executable"]?.boolValue,
                  sha256.count == 64, sha256.allSatisfy(\.isHexDigit), CommandFiles.isInside(path) else { return nil }
            self.init(path: path, sha256: sha256, size: size, executable: executable)
        }
    }

    /// The most files a job may take, and their largest total size.
    static let maxFiles = 10_000
    static let maxTotalBytes = 1 << 30

    /// The cache folder relative to a home.
    static let cacheFolder = ".cache/sweep/files"

    /// The checks of a `files` value that need no disk: a list of relative paths that
    /// stay inside the spec's folder.
    static func problem(in value: JSONValue) -> String? {
        guard let items = value.arrayValue else { return "expected a list of files and folders relative to the spec's folder, got \(value.kindDescription)" }
        guard items.count <= maxFiles else { return "\(items.count) entries, more than \(maxFiles)" }
        for (i, item) in items.enumerated() {
            guard let path = item.stringValue, !path.isEmpty else { return "entry \(i + 1) is \(item.kindDescription), expected a path" }
            guard isInside(path) else {
                return "entry \(i + 1) (\"\(path)\") leaves the spec's folder: give a path inside it, without .. or a leading /"
            }
        }
        return nil
    }

    /// What a folder in `files` leaves out: hidden entries (`.git`, `.build`, editor files)
    /// and what sweep itself writes beside a spec (its database, `sweep-outputs/`,
    /// `Reports/`). These change by themselves, so shipping them would give every launch
    /// new job keys. A file named on its own is always shipped.
    static func isSkippedInFolders(_ name: String) -> Bool {
        name.hasPrefix(".") || name == "sweep-outputs" || name == "Reports"
            || [".sqlite", ".sqlite-wal", ".sqlite-shm", ".sqlite-journal"].contains { name.hasSuffix($0) }
    }

    /// A relative path with no `..` component.
    static func isInside(_ path: String) -> Bool {
        !path.hasPrefix("/") && !path.split(separator: "/").contains("..") && !path.contains("\0")
    }

    /// The manifest of `paths` under `folder` (folders walked, sorted by path), each file
    /// copied into the local cache.
    static func manifest(of paths: [String], in folder: String, home: String) throws(ConfigProblem) -> [Entry] {
        func problem(_ message: String) -> ConfigProblem { ConfigProblem(param: "files", message: message) }
        let root = URL(fileURLWithPath: folder).resolvingSymlinksInPath().path
        var found: [String: String] = [:]  // relative path -> real path
        for path in paths {
            let trimmed = path.hasSuffix("/") ? String(path.dropLast()) : path
            let full = root + "/" + trimmed
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: full, isDirectory: &isFolder) else {
                throw problem("\"\(path)\" does not exist in \(root)")
            }
            let real = URL(fileURLWithPath: full).resolvingSymlinksInPath().path
            guard real == root || real.hasPrefix(root + "/") else {
                throw problem("\"\(path)\" leads outside the spec's folder (to \(real)); copy it into \(root)")
            }
            if isFolder.boolValue {
                guard let walker = FileManager.default.enumerator(atPath: real) else { throw problem("cannot read the folder \"\(path)\"") }
                // Paths in the manifest are relative to the spec's folder: "" for the folder itself.
                let base = real == root ? "" : String(real.dropFirst(root.count + 1)) + "/"
                while let relative = walker.nextObject() as? String {
                    let member = real + "/" + relative
                    var memberIsFolder: ObjCBool = false
                    guard FileManager.default.fileExists(atPath: member, isDirectory: &memberIsFolder) else { continue }
                    if Self.isSkippedInFolders((relative as NSString).lastPathComponent) {
                        if memberIsFolder.boolValue { walker.skipDescendants() }
                        continue
                    }
                    guard !memberIsFolder.boolValue else { continue }
                    let resolved = URL(fileURLWithPath: member).resolvingSymlinksInPath().path
                    guard resolved.hasPrefix(root + "/") else {
                        throw problem("\"\(trimmed)/\(relative)\" leads outside the spec's folder (to \(resolved))")
                    }
                    found[base + relative] = resolved
                    guard found.count <= maxFiles else { throw problem("more than \(maxFiles) files; ship an archive instead") }
                }
            } else {
                found[String(real.dropFirst(root.count + 1))] = real
            }
        }
        var entries: [Entry] = []
        var total = 0
        let sorted = found.sorted(by: { $0.key < $1.key })
        // Every file is looked at (stat, never opened) before any is read: a FIFO or a device
        // would block the read, or never end it.
        var modes: [mode_t] = []
        for (path, real) in sorted {
            var info = stat()
            guard stat(real, &info) == 0 else { throw problem("cannot read \"\(path)\": \(String(cString: strerror(errno)))") }
            guard info.st_mode & S_IFMT == S_IFREG else {
                throw problem("\"\(path)\" is \(NotARegularFile.kind(of: info.st_mode)), not a regular file; "
                    + "only regular files are copied: remove it, or list the folder's files one by one")
            }
            total += Int(info.st_size)
            guard total <= maxTotalBytes else {
                throw problem("the files add up to more than \(maxTotalBytes >> 20) MiB; let the program read large data from where it is")
            }
            modes.append(info.st_mode)
        }
        for ((path, real), mode) in zip(sorted, modes) {
            let content: (sha256: String, size: Int)
            do {
                content = try cache(real, named: path, home: home)
            } catch {
                throw problem("cannot read or cache \"\(path)\": \(error)")
            }
            entries.append(Entry(path: path, sha256: content.sha256, size: content.size, executable: mode & S_IXUSR != 0))
        }
        return entries
    }

    /// Whether planning copies files into the cache; `--dry-run` plans with false, so it
    /// only hashes and writes nothing.
    @TaskLocal static var writesCache = true

    /// Copies the file at `path` to the cache under the hash of the bytes copied (so a file
    /// changed while it is read cannot leave an entry whose name is not its content's
    /// hash) and returns that hash and size. An entry already there is checked first, and
    /// one that does not match its name is made again, with a notice.
    static func cache(_ path: String, named name: String, home: String) throws -> (sha256: String, size: Int) {
        let source = try Digest.sha256Hex(copyingRegularFile: path)
        guard writesCache else { return source }
        let folder = home + "/" + cacheFolder
        let target = folder + "/" + source.sha256
        if FileManager.default.fileExists(atPath: target) {
            if (try? Digest.sha256Hex(copyingRegularFile: target))?.sha256 == source.sha256 { return source }
            FileHandle.standardError.write(Data(("sweep: the cached copy of \(name) (~/\(cacheFolder)/\(source.sha256.prefix(12))...) "
                + "does not match its hash; made it again\n").utf8))
            try? FileManager.default.removeItem(atPath: target)
        }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        // A temporary name, then rename: a reader never sees half a file under its hash.
        let temporary = folder + "/.part-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let copied = try Digest.sha256Hex(copyingRegularFile: path, to: temporary)
        guard rename(temporary, folder + "/" + copied.sha256) == 0 else {
            let code = errno
            unlink(temporary)
            throw FileError(path: folder + "/" + copied.sha256, operation: "rename to", errno: code)
        }
        return copied
    }

    /// The manifest of a resolved config.
    static func entries(of config: JobConfig) -> [Entry] {
        (config["files"]?.arrayValue ?? []).compactMap(Entry.init)
    }

    /// Copies the manifest's files from the cache under `home` into `folder`, checking each
    /// copy's hash: a cache entry that does not match its name is removed, and the attempt
    /// fails saying so (launching again makes it anew).
    static func stage(_ entries: [Entry], into folder: String, home: String) throws(JobFailure) {
        for entry in entries {
            let source = home + "/" + cacheFolder + "/" + entry.sha256
            let target = folder + "/" + entry.path
            let copied: (sha256: String, size: Int)
            do {
                try FileManager.default.createDirectory(
                    atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                copied = try Digest.sha256Hex(copyingRegularFile: source, to: target)
                chmod(target, entry.executable ? 0o755 : 0o644)
            } catch {
                throw JobFailure("command: cannot put \(entry.path) (\(entry.sha256.prefix(12))) in the job's folder: "
                    + "\(error); the copy in ~/\(cacheFolder) is missing: launch the spec again to restore it")
            }
            guard copied.sha256 == entry.sha256 else {
                try? FileManager.default.removeItem(atPath: source)
                throw JobFailure("command: the cached copy of \(entry.path) in ~/\(cacheFolder) does not match its hash "
                    + "\(entry.sha256.prefix(12)) (it is \(copied.sha256.prefix(12))); it was removed: launch the spec again to restore it")
            }
        }
    }

    /// This process's home folder.
    static var home: String {
        ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()
    }
}
