import ArgumentParser
import Foundation
import SweepCoordinator
import SweepCore
import SweepSpec
import SweepStore
import Workloads

extension Sweep {
    struct Launch: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Expand a sweep spec into jobs and run them.",
            discussion: """
                SPEC is a file, or a bare name found as Sweeps/NAME.json, .yaml or .yml. \
                Jobs already done (by this sweep or another with the same config) are not run \
                again; launching a spec again resumes it. Ctrl-C drains (running jobs finish); \
                a second Ctrl-C cancels running jobs.
                """)

        @Argument(help: ArgumentHelp("The spec file or its bare name.", valueName: "spec"))
        var spec: String

        @OptionGroup var store: StoreOptions
        @OptionGroup var runOptions: RunOptions

        @Flag(help: "Print the jobs the spec expands to and stop; writes nothing.")
        var dryRun = false

        @Option(help: ArgumentHelp("Refuse a spec that expands to more jobs than this (counted before expanding, also with --dry-run).",
                                   valueName: "n"))
        var maxJobs = SweepPlan.defaultMaxJobs

        func validate() throws {
            if maxJobs < 1 { throw ValidationError("--max-jobs must be at least 1") }
        }

        func run() throws {
            let plan = try SpecFiles.plan(SpecFiles.resolve(spec), maxJobs: maxJobs)
            if dryRun {
                print(PlanTable.render(plan))
                return
            }
            try SweepRun.launch(plan: plan, databasePath: store.db, options: runOptions)
        }
    }
}
