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
struct Sweep: ParsableCommand {
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
            Init.self, Launch.self, Resume.self, Status.self, List.self, Remove.self, ReportCommand.self, Logs.self, Retry.self, Cancel.self, Serve.self, Hosts.self, DataCommand.self, Workloads.self, Bench.self,
            Job.self, WorkerCommand.self,
        ])

    /// Process-wide set-up, once, before any command: a write to a pipe whose reader is
    /// gone (a dead worker, a closed channel) must fail with EPIPE, not kill the process.
    /// Then parse and run; a `CommandFailure` exits with its own status and no usage line
    /// (ArgumentParser gives every error but `ExitCode` status 1); another coordinator
    /// holding the database exits 75.
    static func main() {
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
                try command.run()
            } catch let error as ValidationError {
                // Thrown while running (an unknown sweep, a missing job): the arguments were
                // fine, so no usage line, only the message.
                throw CommandFailure(error.message, exitCode: exitCode(for: error).rawValue)
            }
        } catch let failure as CommandFailure {
            FileHandle.standardError.write(Data("Error: \(failure)\n".utf8))
            Foundation.exit(failure.exitCode)
        } catch let error as StoreError where error.kind == .locked {
            // Another coordinator runs on this database: nothing to fix, only to wait (EX_TEMPFAIL).
            FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
            Foundation.exit(75)
        } catch {
            exit(withError: error)
        }
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
        // The word is echoed: no control character of it reaches the terminal.
        let shown = String(String.UnicodeScalarView(word.unicodeScalars.prefix(64).map { $0.value < 0x20 || (0x7f...0x9f).contains($0.value) ? "?" : $0 }))
        return CommandFailure("unknown command '\(shown)'\(suggestion) (see sweep --help)", exitCode: ExitCode.validationFailure.rawValue)
    }
}

/// The database option every command that touches the store shares.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The sweep database.", valueName: "path"))
    var db = "sweep.sqlite"
}
