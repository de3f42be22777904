import Foundation
import SweepCore
import Testing

/// The commit of a spec's folder, read from a real repository's files (the test runs git;
/// sweep never does).
@Suite struct GitCheckoutTests {
    let root: URL

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("sweep-git-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("repo/Sweeps/deep"), withIntermediateDirectories: true)
    }

    @discardableResult
    func git(_ arguments: [String], in folder: String = "repo") throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/git")
        process.arguments = ["-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "init.defaultBranch=main"] + arguments
        process.currentDirectoryURL = root.appendingPathComponent(folder)
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "git \(arguments)")
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
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
}
