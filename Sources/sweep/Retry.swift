import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import SweepCore
import SweepStore

extension Sweep {
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
