#if canImport(Glibc)
import Glibc
#endif

extension GitCheckout {
    /// The largest `.git/index` read; a bigger one leaves dirtiness unknown.
    static let maxIndex = 64 << 20

    /// True when the index proves the tree under `folder` differs from what git has: the
    /// spec file untracked, or a tracked file there missing or of another size than the
    /// index records (either shows in `git status`). Nil otherwise: a file of the same
    /// size may still differ, and staged changes need the objects, which are not read.
    ///
    /// The index (DIRC, versions 2 to 4): a 12-byte header, then per entry 40 bytes of stat
    /// data (size at 36), the object id, 2 bytes of flags (and 2 more when extended, v3+),
    /// and the path: NUL-padded to 8 bytes (v2/v3), or prefix-compressed (v4).
    static func dirty(root: String, gitDir: String, folder: String, fileName: String?, hashBytes: Int) -> Bool? {
        guard folder == root || folder.hasPrefix(root == "/" ? "/" : root + "/"),
              let index = readBytes(join(gitDir, "index"), limit: maxIndex), index.count >= 12,
              index[0..<4].elementsEqual("DIRC".utf8) else { return nil }
        let version = be32(index, 4), count = be32(index, 8)
        guard (2...4).contains(version) else { return nil }
        let prefix = folder == root ? "" : String(folder.dropFirst(root == "/" ? 1 : root.count + 1)) + "/"
        let specPath = fileName.map { prefix + $0 }
        var specTracked = specPath == nil
        var offset = 12
        var path: [UInt8] = []
        var info = stat()
        for _ in 0..<count {
            let fixed = 40 + hashBytes + 2
            guard offset + fixed <= index.count else { return nil }
            let mode = be32(index, offset + 24), size = be32(index, offset + 36)
            let flags = Int(index[offset + 40 + hashBytes]) << 8 | Int(index[offset + 41 + hashBytes])
            var at = offset + fixed
            var extended = 0
            if flags & 0x4000 != 0 {
                guard version >= 3, at + 2 <= index.count else { return nil }
                extended = Int(index[at]) << 8 | Int(index[at + 1])
                at += 2
            }
            if version == 4 {
                // A varint of bytes to drop from the previous path, then the rest, NUL-ended.
                var drop = 0, byte = 0x80
                while byte & 0x80 != 0 {
                    guard at < index.count, drop < 1 << 24 else { return nil }
                    byte = Int(index[at])
                    at += 1
                    drop = drop << 7 | (byte & 0x7f)
                    if byte & 0x80 != 0 { drop += 1 }
                }
                guard drop <= path.count, let end = index[at...].firstIndex(of: 0) else { return nil }
                path.removeLast(drop)
                path.append(contentsOf: index[at..<end])
                offset = end + 1
            } else {
                guard let end = index[at...].firstIndex(of: 0) else { return nil }
                path = Array(index[at..<end])
                offset = offset + (end - offset + 8) / 8 * 8
            }
            // Assume-unchanged (0x8000), skip-worktree and intent-to-add (extended), gitlinks:
            // git does not compare these with the working tree either.
            guard flags & 0x8000 == 0, extended & 0x6000 == 0, mode & 0o170000 != 0o160000,
                  path.starts(with: prefix.utf8) else { continue }
            let name = String(decoding: path, as: UTF8.self)
            if name == specPath { specTracked = true }
            guard lstat(join(root, name), &info) == 0 else { return true }
            if UInt32(truncatingIfNeeded: info.st_size) != size { return true }
        }
        return specTracked ? nil : true
    }

    private static func be32(_ bytes: [UInt8], _ at: Int) -> UInt32 {
        UInt32(bytes[at]) << 24 | UInt32(bytes[at + 1]) << 16 | UInt32(bytes[at + 2]) << 8 | UInt32(bytes[at + 3])
    }
}
