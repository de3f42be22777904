#if canImport(Glibc)
import Glibc
#endif
import Foundation
import SweepRuntime
import SweepTestSupport
import Testing

@Suite struct LoopQueueTests {
    @Test func eventsComeOutInOrderAndAnEmptyQueueTimesOut() {
        let queue = LoopQueue<Int>()
        #expect(queue.poll() == nil)
        for i in 0..<3000 { queue.post(i) }
        var seen: [Int] = []
        while let i = queue.poll() { seen.append(i) }
        #expect(seen == Array(0..<3000))
        #expect(queue.next(timeout: .milliseconds(20)) == nil)
    }

    @Test func aWaitingOwnerWakesForAnEventPostedFromAnotherThread() {
        let queue = LoopQueue<String>()
        // A thread, not a task: the waiting test blocks a thread of the cooperative pool.
        Thread.detachNewThread {
            Thread.sleep(forTimeInterval: 0.02)
            queue.post("hello")
        }
        #expect(queue.next(timeout: .seconds(10)) == "hello")
    }
}

@Suite struct ClockTests {
    @Test func theManualClockMovesOnlyWhenAdvanced() {
        let clock = ManualClock()
        #expect(clock.now == .zero)
        clock.advance(by: .milliseconds(1500))
        #expect(clock.now == .milliseconds(1500))
        #expect(clock.now.inSeconds == 1.5)
    }

    @Test func theMonotonicClockNeverGoesBack() {
        let clock = MonotonicClock()
        var last = clock.now
        for _ in 0..<1000 {
            let now = clock.now
            #expect(now >= last)
            last = now
        }
    }
}

@Suite(.serialized) struct ChildProcessTests {
    @Test func linesGoInAndComeOutAndEveryPipeIsClosedOnce() throws {
        let child = try ChildProcess.spawn(executable: "/bin/sh", arguments: ["-c", "read x; echo got $x; echo oops >&2; exit 3"])
        #expect(child.stdin.write("ping\n"))
        var out: [String] = [], err: [String] = []
        child.forEachLine(of: .stdout) { out.append($0) }
        child.forEachLine(of: .stderr) { err.append($0) }
        #expect(!child.isClosed)
        #expect(child.wait() == .exited(3))
        #expect(child.isClosed)
        #expect(out == ["got ping"])
        #expect(err == ["oops"])
        #expect(!child.stdin.write("late\n"), "stdin is closed after wait")
        child.closeStdin()  // a second close is harmless
    }

    @Test func killingTheGroupEndsTheChild() throws {
        let child = try ChildProcess.spawn(executable: "/bin/sh", arguments: ["-c", "sleep 30"])
        child.killGroup(SIGKILL)
        child.forEachLine(of: .stdout) { _ in }
        #expect(child.wait() == .signaled(SIGKILL))
    }

    /// sweep_spawn's hygiene: a descriptor this process leaves inheritable does not reach the
    /// child, SIGPIPE (which sweep ignores) is back to its default there, and the directory
    /// and process group are as asked.
    @Test func theChildGetsOnlyItsThreeDescriptorsDefaultSignalsAndItsDirectory() throws {
        var leaked: [Int32] = [0, 0]
        #expect(pipe(&leaked) == 0)  // no close-on-exec
        defer { close(leaked[0]); close(leaked[1]) }
        let previous = signal(SIGPIPE, SIG_IGN)
        defer { signal(SIGPIPE, previous) }
        // The shell lists its own descriptors by glob (no pipeline, no other process).
        let script = "echo /proc/$$/fd/*; grep SigIgn /proc/$$/status; pwd; ps -o pgid= -p $$"
        let child = try ChildProcess.spawn(executable: "/bin/sh", arguments: ["-c", script], directory: "/tmp")
        var out: [String] = []
        child.forEachLine(of: .stdout) { out.append($0) }
        child.forEachLine(of: .stderr) { _ in }
        #expect(child.wait() == .exited(0))
        #expect(out.count == 4, "\(out)")
        // 0-2, and at most the directory the glob itself reads; the leaked pipe's two ends and
        // the test process's other descriptors would make more.
        let descriptors = (out.first ?? "").split(separator: " ").compactMap { $0.split(separator: "/").last.flatMap { Int32($0) } }.sorted()
        #expect(descriptors.prefix(3) == [0, 1, 2] && descriptors.count <= 4, "\(descriptors)")
        let ignored = UInt64(out.count > 1 ? out[1].split(separator: "\t").last.map(String.init) ?? "" : "", radix: 16) ?? .max
        #expect(ignored & (1 << (UInt64(SIGPIPE) - 1)) == 0, "SIGPIPE ignored in the child: \(out)")
        #expect(out.count > 2 && out[2] == "/tmp")
        #expect(out.count > 3 && Int32(out[3].trimmingCharacters(in: .whitespaces)) == child.pid, "its own process group: \(out)")
    }

    /// Whether `pid` is a live process whose command line holds `marker` (a reused pid is not).
    static func isRunning(_ pid: Int32, marker: String) -> Bool {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
        return String(decoding: data, as: UTF8.self).contains(marker)
    }

    /// A program whose child left its session (and so its process group) and holds its
    /// stdout: when the program exits, the guard kills that child, so stdout ends and the
    /// status is the program's own.
    @Test func aGuardedProgramsChildThatLeftItsSessionDiesWhenItExits() throws {
        let folder = try TemporaryFolder("sweep-runtime")
        let marker = "1\(Int.random(in: 100_000_000...999_999_999))"
        let script = "echo /proc/$$/fd/*; setsid sleep \(marker) & echo $! > child.pid; exit 3"
        let child = try ChildProcess.spawn(executable: "/bin/sh", arguments: ["-c", script], directory: folder.path,
                                           ownGroup: false, guarded: true)
        var out: [String] = []
        child.forEachLine(of: .stdout) { out.append($0) }
        child.forEachLine(of: .stderr) { _ in }
        #expect(child.wait() == .exited(3))
        let pid = try #require(Int32(folder.read("child.pid")))
        #expect(!Self.isRunning(pid, marker: marker), "the setsid child \(pid) outlived its program")
        let descriptors = (out.first ?? "").split(separator: " ").count
        #expect(descriptors <= 4, "the program gets only 0-2: \(out)")
    }

    /// Killing the program (as the worker's kill of the runner's group does) ends what it
    /// started too, and the guard ends by the same signal.
    @Test func killingAGuardedProgramKillsWhatItStartedOutsideItsGroup() throws {
        let folder = try TemporaryFolder("sweep-runtime")
        let marker = "1\(Int.random(in: 100_000_000...999_999_999))"
        let script = "setsid sleep \(marker) & echo $! > child.pid; echo $$; exec sleep 1000"
        let child = try ChildProcess.spawn(executable: "/bin/sh", arguments: ["-c", script], directory: folder.path,
                                           ownGroup: false, guarded: true)
        child.forEachLine(of: .stdout) { line in
            if let program = Int32(line) { kill(program, SIGKILL) }
        }
        child.forEachLine(of: .stderr) { _ in }
        #expect(child.wait() == .signaled(SIGKILL))
        let pid = try #require(Int32(folder.read("child.pid")))
        #expect(!Self.isRunning(pid, marker: marker), "the setsid child \(pid) outlived its killed program")
    }

    /// `killGroup` of a guarded program (whose guard has a group of its own) still ends the
    /// program and what it started.
    @Test func killGroupOfAGuardedProgramEndsItAndWhatItStarted() throws {
        let folder = try TemporaryFolder("sweep-runtime")
        let marker = "1\(Int.random(in: 100_000_000...999_999_999))"
        let script = "setsid sleep \(marker) & echo $! > child.pid; echo started; exec sleep 1000"
        let child = try ChildProcess.spawn(executable: "/bin/sh", arguments: ["-c", script], directory: folder.path,
                                           ownGroup: false, guarded: true)
        child.forEachLine(of: .stdout) { _ in child.killGroup() }
        child.forEachLine(of: .stderr) { _ in }
        #expect(child.wait() == .signaled(SIGKILL))
        let pid = try #require(Int32(folder.read("child.pid")))
        #expect(!Self.isRunning(pid, marker: marker), "the setsid child \(pid) outlived its killed program")
    }

    @Test func aGuardedProgramThatCannotStartIsAnErrorNamingIt() {
        #expect { try ChildProcess.spawn(executable: "/nonexistent/sweep", arguments: [], ownGroup: false, guarded: true) } throws: { error in
            "\(error)".contains("/nonexistent/sweep") && "\(error)".contains("No such file")
        }
    }

    @Test func aMissingExecutableIsAnErrorNamingIt() {
        #expect { try ChildProcess.spawn(executable: "/nonexistent/sweep", arguments: []) } throws: { error in
            "\(error)".contains("/nonexistent/sweep")
        }
    }
}

@Suite struct JobFolderTests {
    /// A folder is removed only when its lock is free and the pid in its name is gone: not a
    /// live attempt's, not one just made (lock not yet taken), not one another process
    /// holds, not one of another naming.
    @Test func onlyFoldersWhoseOwnerIsGoneAndWhoseLockIsFreeAreRemoved() throws {
        let base = try TemporaryFolder("sweep-runtime")
        let live = try JobFolder(label: "live-a1", base: base.path)
        let ended = try ChildProcess.spawn(executable: "/bin/true", arguments: [])
        ended.forEachLine(of: .stdout) { _ in }
        ended.forEachLine(of: .stderr) { _ in }
        _ = ended.wait()
        let gone = ended.pid, me = getpid()
        for name in ["sweep-job-abandoned-a1-p\(gone)-AAAAAA", "sweep-job-held-a1-p\(gone)-BBBBBB",
                     "sweep-job-making-a1-p\(me)-CCCCCC", "sweep-job-old-a1-DDDDDD"] {
            try FileManager.default.createDirectory(atPath: base.path + "/" + name + "/work/locked", withIntermediateDirectories: true)
            try "x".write(toFile: base.path + "/" + name + "/work/locked/data", atomically: false, encoding: .utf8)
            chmod(base.path + "/" + name + "/work/locked", 0o500)
        }
        let held = open(base.path + "/sweep-job-held-a1-p\(gone)-BBBBBB", O_RDONLY | O_DIRECTORY)
        #expect(held >= 0 && flock(held, LOCK_EX) == 0)
        defer { close(held) }

        #expect(JobFolder.removeAbandoned(in: base.path) == 1)
        let left = try FileManager.default.contentsOfDirectory(atPath: base.path).sorted()
        #expect(left == [(live.path as NSString).lastPathComponent, "sweep-job-held-a1-p\(gone)-BBBBBB",
                         "sweep-job-making-a1-p\(me)-CCCCCC", "sweep-job-old-a1-DDDDDD"].sorted(), "\(left)")
        live.remove()
        #expect(!FileManager.default.fileExists(atPath: live.path))
        for name in left { chmod(base.path + "/" + name + "/work/locked", 0o700) }
    }
}

extension TemporaryFolder {
    /// The file `name`'s text without its trailing newline.
    func read(_ name: String) throws -> String {
        try String(contentsOfFile: path + "/" + name, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
