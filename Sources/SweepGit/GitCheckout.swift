#if canImport(Glibc)
import Glibc
#endif

/// The git commit a folder is checked out at, read from the repository's files.
///
/// Never runs `git`: a repository's config can make `git status` run a command
/// (`core.fsmonitor`, hooks), and no file in a working tree may make `sweep` run one. So
/// only the commit is read (`.git` folder or `gitdir:` file, HEAD, the ref's file or
/// `packed-refs`), and the tree is said dirty only when the index proves it (see
/// `GitCheckout+Index.swift`); otherwise that is not known (nil) rather than guessed.
public struct GitCheckout: Sendable, Hashable {
    /// The commit's hex id (40 characters, 64 for SHA-256 repositories).
    public var commit: String
    /// True when the working tree certainly differs from the commit; nil when not determined.
    public var dirty: Bool?

    public init(commit: String, dirty: Bool?) {
        self.commit = commit
        self.dirty = dirty
    }

    /// Folders walked up from the start, and the longest file read (HEAD, a ref, a
    /// `gitdir:` file); `packed-refs` may be longer.
    static let maxDepth = 64
    static let maxSmallFile = 4096
    static let maxPackedRefs = 32 << 20
    static let maxSymbolicRefs = 5

    /// The checkout `folder` is in, or nil when it is in no repository, HEAD is unborn,
    /// or the repository's files cannot be read as expected. With `file` (the spec, in
    /// `folder`), a spec git does not track makes the checkout dirty too.
    public static func enclosing(_ folder: String, file: String? = nil) -> GitCheckout? {
        guard let start = realPath(folder) else { return nil }
        var directory = start
        for _ in 0..<maxDepth {
            if let gitDir = gitDirectory(in: directory) {
                guard let commit = head(gitDir: gitDir) else { return nil }
                let name = file.map { String($0.split(separator: "/").last ?? "") }
                return GitCheckout(commit: commit, dirty: dirty(root: directory, gitDir: gitDir, folder: start, fileName: name,
                                                                hashBytes: commit.utf8.count / 2))
            }
            guard directory != "/" else { return nil }
            let parent = directory[..<(directory.lastIndex(of: "/") ?? directory.startIndex)]
            directory = parent.isEmpty ? "/" : String(parent)
        }
        return nil
    }

    /// `.git` as a folder, or the folder a `gitdir: PATH` file names (worktrees, submodules).
    private static func gitDirectory(in directory: String) -> String? {
        let dotGit = join(directory, ".git")
        var info = stat()
        guard stat(dotGit, &info) == 0 else { return nil }
        if (info.st_mode & S_IFMT) == S_IFDIR { return dotGit }
        guard let text = smallFile(dotGit), text.hasPrefix("gitdir:") else { return nil }
        let path = trimmed(text.dropFirst("gitdir:".count))
        guard !path.isEmpty else { return nil }
        return realPath(path.hasPrefix("/") ? path : join(directory, path))
    }

    /// HEAD's commit, following symbolic refs (a worktree's refs live in its common folder).
    private static func head(gitDir: String) -> String? {
        var common = gitDir
        if let relative = smallFile(join(gitDir, "commondir")).map({ trimmed($0[...]) }), !relative.isEmpty {
            guard let resolved = realPath(relative.hasPrefix("/") ? relative : join(gitDir, relative)) else { return nil }
            common = resolved
        }
        guard var content = smallFile(join(gitDir, "HEAD")) else { return nil }
        for _ in 0..<maxSymbolicRefs {
            content = trimmed(content[...])
            guard content.hasPrefix("ref:") else { return objectID(content) }
            let ref = trimmed(content.dropFirst("ref:".count))
            guard isSafeRef(ref) else { return nil }
            if let next = smallFile(join(gitDir, ref)) ?? smallFile(join(common, ref)) {
                content = next
            } else {
                return packedRef(ref, in: common)
            }
        }
        return nil
    }

    /// `<id> <ref>` lines of `packed-refs`.
    private static func packedRef(_ ref: String, in common: String) -> String? {
        guard let text = readFile(join(common, "packed-refs"), limit: maxPackedRefs) else { return nil }
        for line in text.split(separator: "\n") where !line.hasPrefix("#") && !line.hasPrefix("^") {
            let parts = line.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[1] == ref { return objectID(String(parts[0])) }
        }
        return nil
    }

    /// `refs/...` with no `..`, empty or hidden component: it stays inside the git folder.
    private static func isSafeRef(_ ref: String) -> Bool {
        ref.hasPrefix("refs/") && ref.count <= 1024
            && !ref.split(separator: "/", omittingEmptySubsequences: false).contains { $0.isEmpty || $0.hasPrefix(".") }
    }

    private static func objectID(_ text: String) -> String? {
        let isHex = text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
        return isHex && (text.utf8.count == 40 || text.utf8.count == 64) ? text : nil
    }

    static func join(_ folder: String, _ name: String) -> String {
        folder.hasSuffix("/") ? folder + name : folder + "/" + name
    }

    private static func trimmed(_ text: Substring) -> String {
        String(text.drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }

    private static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    private static func smallFile(_ path: String) -> String? { readFile(path, limit: maxSmallFile) }

    /// A regular file's text, or nil when missing, not regular, longer than `limit` or not UTF-8.
    private static func readFile(_ path: String, limit: Int) -> String? {
        readBytes(path, limit: limit).flatMap { String(validating: $0, as: UTF8.self) }
    }

    /// A regular file's bytes, or nil when missing, not regular or longer than `limit`.
    static func readBytes(_ path: String, limit: Int) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, info.st_size <= limit else { return nil }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
        var filled = 0
        while filled < bytes.count {
            let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + filled, $0.count - filled) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { break }
            filled += n
        }
        return Array(bytes[..<filled])
    }
}
