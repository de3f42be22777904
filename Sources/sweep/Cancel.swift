import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import SweepCore
import SweepStore

extension Sweep {
    struct Cancel: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stop a running sweep from another terminal, like Ctrl-C in its own.",
            discussion: """
                The first cancel drains (running jobs finish, nothing new starts); a second \
                cancels the running jobs. Both are recorded; sweep resume continues later.
                """)

        @Argument(help: ArgumentHelp("The sweep's name (default: whichever sweep the coordinator runs).", valueName: "sweep"))
        var sweep: String?

        @OptionGroup var store: StoreOptions

        func run() throws {
            guard let holder = StoreReader.writer(databasePath: store.db) else {
                throw CommandFailure("no coordinator is running on \(store.db)")
            }
            if let sweep, let running = holder.sweep, sweep != running {
                throw CommandFailure("the coordinator on \(store.db) runs sweep \"\(running)\", not \"\(sweep)\"")
            }
            guard let pid = holder.pid, holder.host == ProcessInfo.processInfo.hostName else {
                throw CommandFailure("the coordinator on \(store.db) (\(holder)) is not a process of this machine; stop it where it runs")
            }
            guard kill(pid, SIGINT) == 0 else {
                throw CommandFailure("cannot signal the coordinator (pid \(pid)): \(String(cString: strerror(errno)))")
            }
            print("asked the coordinator of sweep \(holder.sweep ?? "?") (pid \(pid)) to stop; run cancel again to cancel running jobs")
        }
    }
}
