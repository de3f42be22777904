import Foundation
import SweepCore
import SweepGit
import SweepTestSupport
import Testing

/// The commit of a spec's folder, read from a real repository's files (the test runs git;
/// sweep never does).
@Suite struct GitCheckoutTests {
    let folder: TemporaryFolder
    var root: URL { folder.url }

    init() throws {
        folder = try TemporaryFolder("sweep-git")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("repo/Sweeps/deep"), withIntermediateDirectories: true)
    }

    @discardableResult
    func git(_ arguments: [String], in folder: String = "repo") throws -> String {
        try Program.run("/usr/bin/git", ["-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "init.defaultBranch=main"] + arguments,
                        in: path(folder)).succeeded().trimmed
    }

    func indexHeader() throws -> Data {
        try #require(FileManager.default.contents(atPath: path("repo/.git/index"))).prefix(8)
    }

    func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    func commit(_ message: String) throws -> String {
        try message.write(toFile: path("repo/Sweeps/deep/s.json"), atomically: true, encoding: .utf8)
        try git(["add", "-A"])
        try git(["commit", "-q", "-m", message])
        return try git(["rev-parse", "HEAD"])
    }

    @Test func readsTheBranchLooseAndPackedDetachedAndFromAWorktree() throws {
        #expect(GitCheckout.enclosing(path("repo/Sweeps/deep")) == nil, "not a repository yet")
        try git(["init", "-q"])
        #expect(GitCheckout.enclosing(path("repo/Sweeps")) == nil, "an unborn branch has no commit")
        let first = try commit("one")
        #expect(first.count == 40)
        #expect(GitCheckout.enclosing(path("repo/Sweeps/deep")) == GitCheckout(commit: first, dirty: nil))
        #expect(GitCheckout.enclosing(path("repo")) == GitCheckout(commit: first, dirty: nil))

        let second = try commit("two")
        try git(["pack-refs", "--all", "--prune"])
        #expect(!FileManager.default.fileExists(atPath: path("repo/.git/refs/heads/main")), "the ref is only in packed-refs")
        #expect(GitCheckout.enclosing(path("repo/Sweeps"))?.commit == second)

        try git(["checkout", "-q", "--detach", first])
        #expect(GitCheckout.enclosing(path("repo/Sweeps"))?.commit == first)
        try git(["checkout", "-q", "main"])

        // A worktree's .git is a `gitdir:` file; its HEAD is its own, its refs the common ones.
        try git(["worktree", "add", "-q", "-b", "side", path("wt"), first])
        #expect(try String(contentsOfFile: path("wt/.git"), encoding: .utf8).hasPrefix("gitdir:"))
        #expect(GitCheckout.enclosing(path("wt/Sweeps/deep"))?.commit == first)
        let third = try commit("three")
        #expect(GitCheckout.enclosing(path("repo/Sweeps"))?.commit == third)
        #expect(GitCheckout.enclosing(path("wt"))?.commit == first)
    }

    /// A HEAD naming a ref outside the git folder, or junk, gives no commit rather than a read elsewhere.
    @Test func refusesRefsThatLeaveTheGitFolderAndJunk() throws {
        try git(["init", "-q"])
        _ = try commit("one")
        let head = path("repo/.git/HEAD")
        let outside = path("repo/Sweeps/deep/fake")
        try String(repeating: "a", count: 40).write(toFile: outside, atomically: true, encoding: .utf8)
        for text in ["ref: refs/../Sweeps/deep/fake\n", "ref: refs/heads/../../../Sweeps/deep/fake\n", "ref: /etc/passwd\n",
                     "not a commit\n", String(repeating: "g", count: 40)] {
            try text.write(toFile: head, atomically: true, encoding: .utf8)
            #expect(GitCheckout.enclosing(path("repo/Sweeps")) == nil, "\(text)")
        }
        // A HEAD far too long is not read at all.
        try String(repeating: "a", count: 1 << 20).write(toFile: head, atomically: true, encoding: .utf8)
        #expect(GitCheckout.enclosing(path("repo")) == nil)
    }

    /// Dirty only when the index proves it: an untracked spec, a tracked file under the
    /// spec's folder missing or of another size. Otherwise unknown, never "clean".
    @Test(arguments: [2, 3, 4])
    func dirtyWhenTheIndexProvesIt(indexVersion: Int) throws {
        try git(["init", "-q"])
        try "{}".write(toFile: path("repo/outside.json"), atomically: true, encoding: .utf8)
        _ = try commit("one")
        try git(["update-index", "--index-version", "\(indexVersion)"])
        // Git writes version 3 only when an entry has extended flags (below), else 2.
        #expect(try indexHeader() == Data("DIRC".utf8 + [0, 0, 0, UInt8(indexVersion == 3 ? 2 : indexVersion)]))
        let folder = path("repo/Sweeps/deep"), spec = path("repo/Sweeps/deep/s.json")
        #expect(GitCheckout.enclosing(folder, file: spec)?.dirty == nil, "committed as is")

        try "twice as long".write(toFile: spec, atomically: true, encoding: .utf8)
        #expect(GitCheckout.enclosing(folder, file: spec)?.dirty == true, "a tracked file of another size")
        try "one".write(toFile: spec, atomically: true, encoding: .utf8)
        #expect(GitCheckout.enclosing(folder, file: spec)?.dirty == nil, "same size: cannot tell without hashing")

        let new = path("repo/Sweeps/deep/new.json")
        try "{}".write(toFile: new, atomically: true, encoding: .utf8)
        #expect(GitCheckout.enclosing(folder, file: new)?.dirty == true, "the spec itself is untracked")
        #expect(GitCheckout.enclosing(folder, file: spec)?.dirty == nil, "another untracked file is not looked for")

        try "{\"changed\": true}".write(toFile: path("repo/outside.json"), atomically: true, encoding: .utf8)
        #expect(GitCheckout.enclosing(folder, file: spec)?.dirty == nil, "outside the spec's folder is not looked at")
        #expect(GitCheckout.enclosing(path("repo"))?.dirty == true, "from the top it is")

        try FileManager.default.removeItem(atPath: spec)
        #expect(GitCheckout.enclosing(folder)?.dirty == true, "a tracked file deleted")
        if indexVersion == 3 {
            // skip-worktree entries (sparse checkouts) are not compared, as git does not.
            // The entry after the extended one is still read: parsing went on past it.
            try "{}".write(toFile: path("repo/Sweeps/deep/t.json"), atomically: true, encoding: .utf8)
            try git(["add", "Sweeps/deep/t.json"])
            try git(["update-index", "--skip-worktree", "Sweeps/deep/s.json"])
            #expect(try indexHeader() == Data("DIRC".utf8 + [0, 0, 0, 3]))
            #expect(GitCheckout.enclosing(folder)?.dirty == nil)
            try "{\"a\": 1}".write(toFile: path("repo/Sweeps/deep/t.json"), atomically: true, encoding: .utf8)
            #expect(GitCheckout.enclosing(folder)?.dirty == true)
        }
    }
}
