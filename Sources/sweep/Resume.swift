import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import SweepCore
import SweepStore

extension Sweep {
    struct Resume: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run what an interrupted sweep has not finished.",
            discussion: """
                Jobs a dead coordinator left running, and cancelled ones, go back to pending; \
                finished jobs never run again. Uses the spec stored at launch, so the file may \
                have moved. Same as launching the spec again.
                """)

        @Argument(help: ArgumentHelp("The sweep's name (default: the one launched last).", valueName: "sweep"))
        var sweep: String?

        @OptionGroup var store: StoreOptions
        @OptionGroup var runOptions: RunOptions

        func run() throws {
            let info = try StoredSweep.find(sweep, databasePath: store.db)
            try SweepRun.launch(plan: SpecFiles.plan(file: info.specPath, text: info.specText),
                                databasePath: store.db, options: runOptions)
        }
    }

    struct Retry: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-queue a sweep's failed jobs (--failed), or the jobs named, and run them.",
            discussion: "sweep retry dist --failed; sweep retry dist 12 17 a3f9 (job numbers or 4+ key characters, whatever they ended as).")

        @Argument(help: ArgumentHelp("The sweep's name (default: the one launched last).", valueName: "sweep"))
        var sweep: String?

        @Argument(help: ArgumentHelp("Jobs to run again: numbers or 4+ characters of their keys.", valueName: "job"))
        var jobs: [String] = []

        @Flag(help: "Re-queue the jobs that failed.")
        var failed = false

        @OptionGroup var store: StoreOptions
        @OptionGroup var runOptions: RunOptions

        func validate() throws {
            guard failed != !jobs.isEmpty else {
                throw ValidationError("say what to retry: sweep retry [SWEEP] --failed, or sweep retry SWEEP JOB... (not both)")
            }
            guard jobs.count <= 10_000 else { throw ValidationError("at most 10000 jobs at once, not \(jobs.count)") }
        }

        func run() throws {
            let info = try StoredSweep.find(sweep, databasePath: store.db)
            var ids: [Int64] = []
            if !jobs.isEmpty {
                let db = try StoreReader(path: store.db)
                let own = Set(try db.jobs(of: info.id).map(\.id))
                for reference in jobs {
                    guard let job = try db.job(reference), own.contains(job.id) else {
                        throw CommandFailure("no job \(TerminalText.oneLine(reference, limit: 80)) in sweep \(info.name) (sweep status \(info.name) lists them)",
                                             exitCode: CommandFailure.badJob)
                    }
                    ids.append(job.id)
                }
            }
            try SweepRun.launch(plan: SpecFiles.plan(file: info.specPath, text: info.specText),
                                databasePath: store.db, options: runOptions, requeueFailed: failed, retryJobs: ids)
        }
    }
}

/// Looking a sweep up by name in the store.
enum StoredSweep {
    static func find(_ name: String?, databasePath: String) throws -> SweepInfo {
        let store = try StoreReader(path: databasePath)
        guard let info = try store.sweep(named: name) else {
            let known = (try? store.sweeps().map(\.name)) ?? []
            let hint = known.isEmpty ? "no sweeps yet" : "known: " + known.joined(separator: ", ")
            throw ValidationError(name.map { "no sweep named \"\($0)\" in \(databasePath) (\(hint))" }
                ?? "no sweep in \(databasePath) yet: launch one first")
        }
        return info
    }
}

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
