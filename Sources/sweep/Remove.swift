import ArgumentParser
import Foundation
import SweepStore

extension Sweep {
    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rm",
            abstract: "Remove a sweep from the store (its jobs stay unless --purge).",
            discussion: """
                The sweep, its spec revisions and its links to jobs go. Its jobs stay in the \
                store (a later sweep with the same configs finds them done); with --purge, the \
                jobs no other sweep uses are deleted with their attempts, metrics, logs and \
                output folders (sweep-outputs/job-N); their numbers are never given again \
                (jobs an earlier edit of the spec dropped are no longer the sweep's and stay). \
                Refused while a coordinator runs on the database (exit 75).
                """)

        @Argument(help: ArgumentHelp("The sweep's name.", valueName: "sweep"))
        var sweep: String

        @Flag(help: "Also delete the sweep's jobs that no other sweep uses, with their metrics and logs.")
        var purge = false

        @OptionGroup var store: StoreOptions

        func run() throws {
            // Fails before opening (and creating) anything when there is no such sweep.
            _ = try StoredSweep.find(sweep, databasePath: store.db)
            let db: StoreWriter
            do {
                db = try StoreWriter(path: store.db)
            } catch {
                guard error.kind == .locked else { throw error }
                FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
                throw ExitCode(75)
            }
            guard let removal = try db.removeSweep(named: sweep, purge: purge) else {
                throw ValidationError("no sweep named \"\(sweep)\" in \(store.db)")
            }
            // The sweep is gone now, so the hint names no command on it: `rm NAME --purge`
            // would find no sweep.
            print("removed sweep \(sweep): \(removal.jobsDeleted) jobs deleted, \(removal.jobsKept) kept in the store"
                + (purge ? " (used by another sweep)"
                    : removal.jobsKept == 0 ? "" : " (a sweep with the same configs finds them done; rm --purge deletes a sweep's jobs with it)"))
            for left in removal.outputsLeft { FileHandle.standardError.write(Data("warning: output folder not removed: \(left)\n".utf8)) }
        }
    }
}
