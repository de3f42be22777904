import Foundation
import SweepCore
import SweepStore
import Testing

/// Hostile text from jobs (ANSI/OSC escapes in stdout, stderr, file names; errors of many
/// lines; floods of failures) through the real binary: a terminal never receives a job's
/// escape sequences, one-line rows stay one line, and what is printed stays bounded.
@Suite struct AdversarialTerminalTests {
    static let escape = "\u{1b}"
    /// Sets a terminal's title, then clears its screen.
    static let hostile = "\u{1b}]0;title\u{07}\u{1b}[2J"
    /// The same, as `TerminalText` shows it.
    static let shown = "^[]0;title^G^[[2J"

    /// True when `text` holds a sequence a job wrote (the live progress line's own
    /// `ESC[2K` and `\r` are sweep's).
    static func holdsJobEscapes(_ text: String) -> Bool {
        text.contains(escape + "]") || text.contains(escape + "[2J") || text.contains("\u{07}")
    }

    @Test func escapesInAJobsStdoutStderrAndFileNamesAreShownNotRunOnATerminal() throws {
        let sandbox = try SweepSandbox()
        try sandbox.write("evil.py", """
            import os, sys
            bad = "\\x1b]0;title\\x07\\x1b[2J"
            print("out " + bad)
            print("err " + bad, file=sys.stderr)
            open(os.environ["SWEEP_OUTPUT"] + "/" + bad + ".txt", "w").write("x")
            sys.exit(3)
            """)
        try sandbox.write("e.json", """
            {"name": "e", "workload": "command", "base": {"command": "python3 evil.py", "files": ["evil.py"]}}
            """)
        let home = ["HOME": sandbox.directory.path]
        let launchTerminal = try PseudoTerminal()
        let launch = try sandbox.start(["launch", "e.json"], environment: home, terminal: launchTerminal)
        launch.wait(timeout: 120)
        let launched = launchTerminal.text
        #expect(launch.status == 1, "\(launched)")
        #expect(launched.contains("job 1 failed"), "\(launched)")
        #expect(launched.contains("err " + Self.shown), "the failure names the stderr, shown: \(launched)")
        #expect(!Self.holdsJobEscapes(launched), "\(launched.debugDescription)")

        let logsTerminal = try PseudoTerminal()
        let logs = try sandbox.start(["logs", "1"], environment: home, terminal: logsTerminal)
        logs.wait(timeout: 60)
        let logged = logsTerminal.text
        #expect(logs.status == 0, "\(logged)")
        #expect(logged.contains("[1] out " + Self.shown), "\(logged)")
        #expect(logged.contains("[1] stderr: err " + Self.shown), "\(logged)")
        #expect(logged.contains("stderr ends:\nerr " + Self.shown), "the attempt's error keeps its lines: \(logged)")
        #expect(logged.contains("  attempt-1/" + Self.shown + ".txt  1 bytes"), "\(logged)")
        #expect(!logged.contains(Self.escape) && !logged.contains("\u{07}"), "\(logged.debugDescription)")

        // Piped, the output is as stored; rows (file names) are always shown safely.
        let piped = try sandbox.run(["logs", "1"])
        #expect(piped.stdout.contains("[1] out " + Self.hostile))
        #expect(piped.stdout.contains("  attempt-1/" + Self.shown + ".txt"), "\(piped.stdout)")

        // The status row of the failed job is one line (what failed … its last stderr line), nothing run.
        let status = try sandbox.run(["status", "e"])
        let row = try #require(status.stdout.split(separator: "\n").first { $0.hasPrefix("1 ") }, "\(status.stdout)")
        #expect(row.contains("command exited with status 3; stderr ends: … err ^[]0;"), "\(row)")
        #expect(!Self.holdsJobEscapes(status.stdout), "\(status.stdout.debugDescription)")
    }

    @Test func aFileNameWithEscapesInAnErrorIsShownNotRun() throws {
        let sandbox = try SweepSandbox()
        try sandbox.write("n.json", """
            {"name": "n", "workload": "command", "base": {"command": "python3 x.py", "files": ["\\u001b]0;title\\u0007\\u001b[2J.py"]}}
            """)
        let run = try sandbox.run(["launch", "n.json", "--dry-run"])
        #expect(run.status == 64, "\(run.stderr)")
        #expect(run.stderr.contains(Self.shown), "\(run.stderr.debugDescription)")
        #expect(!Self.holdsJobEscapes(run.stderr), "\(run.stderr.debugDescription)")
    }

    @Test func aParameterNameAndValueWithEscapesAreShownInTheDryRunTable() throws {
        let sandbox = try SweepSandbox()
        try sandbox.write("a.py", "print('loss: 1')\n")
        try sandbox.write("p.json", """
            {"name": "p", "workload": "command", "base": {"command": "python3 a.py", "files": ["a.py"]},
             "grid": {"\\u001b[2Jp": ["\\u001b]0;t\\u0007v", "w"]}}
            """)
        let run = try sandbox.run(["launch", "p.json", "--dry-run"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("^[[2Jp") && run.stdout.contains("^[]0;t^Gv"), "\(run.stdout.debugDescription)")
        #expect(!run.stdout.contains(Self.escape), "\(run.stdout.debugDescription)")
    }

    @Test func quietWithManyFailingJobsPrintsTheFirstTwentyAndACount() throws {
        let sandbox = try SweepSandbox()
        try sandbox.write("q.json", """
            {"name": "q", "workload": "probe", "base": {"epochs": 1, "fail_at_epoch": 1}, "grid": {"value": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]},
             "seeds": 6}
            """)
        let run = try sandbox.run(["launch", "q.json", "--quiet", "--local-slots", "2"], timeout: 300)
        #expect(run.status == 1, "\(run.stderr)")
        let failures = run.stderr.split(separator: "\n").filter { $0.hasPrefix("job ") && $0.contains(" failed") }
        #expect(failures.count == 20, "\(run.stderr)")
        #expect(run.stderr.contains("… and 40 more jobs failed; see sweep status q"), "\(run.stderr)")
        #expect(!run.stderr.hasSuffix("\n\n"), "the exit status adds no empty error line")
        #expect(run.stderr.split(separator: "\n").count <= 25 && run.stdout.split(separator: "\n").count <= 20,
                "\(run.stdout)\n\(run.stderr)")
    }

    /// A closed terminal window: the terminal goes away (writes fail with EIO) and SIGHUP
    /// arrives. The sweep drains as on SIGTERM, exits 130, and resumes.
    @Test func sighupAfterTheTerminalClosedDrainsAndTheSweepResumes() throws {
        let sandbox = try SweepSandbox()
        try sandbox.write("h.json", """
            {"name": "h", "workload": "probe", "base": {"epochs": 4, "sleep_ms": 100}, "grid": {"value": [1, 2, 3, 4, 5, 6, 7, 8]}}
            """)
        let terminal = try PseudoTerminal()
        let launch = try sandbox.start(["launch", "h.json", "--local-slots", "2"], terminal: terminal)
        #expect(sandbox.waitUntil(timeout: 60) {
            guard let store = try? StoreReader(path: sandbox.database),
                  let sweep = try? store.sweep(named: "h") else { return false }
            return (try? store.counts(of: sweep.id).running) == 2
        })
        terminal.hangUp()
        kill(launch.process.processIdentifier, SIGHUP)
        launch.wait(timeout: 60)
        #expect(launch.process.terminationReason == .exit && launch.status == 130, "\(launch.process.terminationReason) \(launch.status)")
        let store = try StoreReader(path: sandbox.database)
        let counts = try store.counts(of: try #require(try store.sweep(named: "h")).id)
        #expect(counts.running == 0 && counts.done >= 2 && counts.pending > 0, "a drain lets running jobs finish: \(counts)")
        #expect(sandbox.waitForNoLeftovers().isEmpty)
        #expect(try sandbox.run(["resume", "h"]).status == 0)
        try expectProbeSweepComplete(database: sandbox.database, sweep: "h", jobs: 8, epochs: 4)
    }
}
