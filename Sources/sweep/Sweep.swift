import ArgumentParser
import Foundation
import SweepCore
import SweepStore
#if canImport(Glibc)
import Glibc
#endif

/// The `sweep` command: parameter sweeps of KAN reinforcement-learning experiments over
/// a few machines.
@main
struct Sweep: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Run parameter sweeps of KAN reinforcement-learning experiments on a few machines.",
        discussion: """
            A sweep spec (Sweeps/NAME.json or .yaml) expands into jobs; the coordinator runs \
            them on the local worker and on SSH hosts, records per-epoch metrics in SQLite \
            (sweep.sqlite), and builds report tables.

            Start with: sweep launch quickstart
            """,
        version: version,
        subcommands: [
            Init.self, Launch.self, Resume.self, Status.self, Best.self, Export.self, List.self, Remove.self, ReportCommand.self, Logs.self, Retry.self, Cancel.self, Serve.self, Hosts.self, DataCommand.self, Workloads.self, Bench.self,
            Job.self, WorkerCommand.self,
        ])

    /// Process-wide set-up, once, before any command: a write to a pipe whose reader is
    /// gone (a dead worker, a closed channel) must fail with EPIPE, not kill the process.
    /// Then parse and run; a `CommandFailure` exits with its own status and no usage line
    /// (ArgumentParser gives every error but `ExitCode` status 1); another coordinator
    /// holding the database exits 75.
    /// Errors quote what the user or a job wrote (file names, values, a job's stderr), so
    /// their control characters are shown, not sent to the terminal (`TerminalText`).
    static func main() async {
        signal(SIGPIPE, SIG_IGN)
        do {
            var command: any ParsableCommand
            do {
                command = try parseAsRoot()
            } catch {
                if let unknown = unknownSubcommand(CommandLine.arguments.dropFirst()) { throw unknown }
                throw error
            }
            do {
                // The commands that wait on SSH or HTTP are async; the rest run on this thread as they are.
                if var command = command as? any AsyncParsableCommand {
                    try await command.run()
                } else {
                    try command.run()
                }
            } catch let error as ValidationError {
                // Thrown while running (an unknown sweep, a missing job): the arguments were
                // fine, so no usage line, only the message.
                throw CommandFailure(error.message, exitCode: exitCode(for: error).rawValue)
            }
        } catch let failure as CommandFailure {
            fail("Error: \(failure)", status: failure.exitCode)
        } catch let error as StoreError where error.kind == .locked {
            // Another coordinator runs on this database: nothing to fix, only to wait (EX_TEMPFAIL).
            fail("Error: \(error)", status: 75)
        } catch {
            // Help and --version exit 0 and print to stdout: ArgumentParser's own way.
            let code = exitCode(for: error)
            if code == .success { exit(withError: error) }
            fail(fullMessage(for: error), status: code.rawValue)
        }
    }

    private static func fail(_ message: String, status: Int32) -> Never {
        // write(2), not FileHandle: its write traps when stderr is gone (a hung-up terminal).
        // An `ExitCode` (a run that failed or was interrupted has said so already) has no message.
        var bytes = message.isEmpty ? [][...] : Array((TerminalText.visible(message, keepingLines: true) + "\n").utf8)[...]
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { break }
            bytes = bytes.dropFirst(n)
        }
        Foundation.exit(status)
    }
}

extension Sweep {
    /// `sweep lauch`: the first word names no command; a did-you-mean instead of ArgumentParser's
    /// "unexpected arguments" and usage.
    static func unknownSubcommand(_ arguments: ArraySlice<String>) -> CommandFailure? {
        guard let word = arguments.first, !word.hasPrefix("-") else { return nil }
        let names = configuration.subcommands.map { $0._commandName } + ["help"]
        guard !names.contains(word) else { return nil }
        let suggestion = DidYouMean.suggestion(for: word, among: names)
        return CommandFailure("unknown command '\(TerminalText.oneLine(word, limit: 64))'\(suggestion) (see sweep --help)",
                              exitCode: ExitCode.validationFailure.rawValue)
    }
}

/// The database option every command that touches the store shares.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The sweep database.", valueName: "path"))
    var db = "sweep.sqlite"
}
