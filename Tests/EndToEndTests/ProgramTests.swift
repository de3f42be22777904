#if canImport(Glibc)
import Glibc
#endif
import Foundation
import SweepTestSupport
import Testing

/// The test kit's process runner: what a program wrote and how it exited, in the folder and
/// environment asked for; a hang guard that kills; a child left running does not hold it.
@Suite(.timeLimit(.minutes(1))) struct ProgramTests {
    @Test func bothStreamsAndTheStatusComeBackAndSucceededNamesAFailure() throws {
        let run = try Program.run("/bin/sh", ["-c", "echo out; echo err >&2; exit 3"])
        #expect(run.status == 3 && run.stdout == "out\n" && run.stderr == "err\n", "\(run)")
        let failure = #expect(throws: ProgramFailed.self) { try run.succeeded() }
        #expect(failure?.description == "/bin/sh -c echo out; echo err >&2; exit 3 exited 3: err\n")
        #expect(try Program.run("/bin/sh", ["-c", "true"]).succeeded().status == 0)
    }

    @Test func itRunsInTheFolderWithTheEnvironmentAddedAndNoInput() throws {
        let folder = try TemporaryFolder("sweep-program-test")
        let run = try Program.run("/bin/sh", ["-c", #"pwd; echo "$SWEEP_PROGRAM_TEST"; echo "$HOME"; cat"#], in: folder.path,
                                  environment: ["SWEEP_PROGRAM_TEST": "given"])
        let home = ProcessInfo.processInfo.environment["HOME"] ?? ""
        #expect(run.stdout == "\(folder.path)\ngiven\n\(home)\n", "stdin is /dev/null: cat ends at once")
        #expect(try Program.run("/bin/echo", ["  spaced  "]).trimmed == "spaced")
    }

    @Test func pastItsTimeoutTheProgramIsKilledAndTheRunThrows() throws {
        let folder = try TemporaryFolder("sweep-program-test")
        let pidFile = folder.file("pid")
        let error = #expect(throws: ProgramTimedOut.self) {
            try Program.run("/bin/sh", ["-c", "echo $$ > \(pidFile); exec sleep 600"], timeout: 0.5)
        }
        #expect(error?.seconds == 0.5)
        let pid = try #require(pid_t(try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(kill(pid, 0) != 0 && errno == ESRCH, "the program was killed and reaped")
    }

    /// With pipes, or Foundation's Process (it watches a descriptor the child inherits), the
    /// run waited the background child's ten minutes; the time limit then failed it.
    @Test func aChildLeftRunningWithTheStreamsDoesNotHoldTheRun() throws {
        let run = try Program.run("/bin/sh", ["-c", "sleep 600 & echo $!"])
        let child = try #require(pid_t(run.trimmed))
        kill(child, SIGKILL)
        #expect(run.status == 0)
    }
}
