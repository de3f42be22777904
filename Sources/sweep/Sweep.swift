import ArgumentParser
import Foundation
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
            var command = try parseAsRoot()
            try command.run()
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

/// The database option every command that touches the store shares.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The sweep database.", valueName: "path"))
    var db = "sweep.sqlite"
}
