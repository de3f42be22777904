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

                Overrides change the spec from the command line and make a new sweep \
                (named by --name, or a name derived from them): epochs=5 fixes a parameter, \
                model=kan,mlp makes or replaces a grid axis, seeds=3 sets the seeds, \
                sample.n=50 changes the sample. Example: sweep launch dist epochs=5 model=kan,mlp
                """)

        @Argument(help: ArgumentHelp("The spec file or its bare name.", valueName: "spec"))
        var spec: String

        @Argument(help: ArgumentHelp("Changes to the spec: key=value (a base value), key=a,b (a grid axis), seeds=N.",
                                     valueName: "key=value"))
        var overrides: [String] = []

        @Option(help: ArgumentHelp("The sweep's name (default: the spec's; with overrides, one derived from them).",
                                   valueName: "name"))
        var name: String?

        @OptionGroup var store: StoreOptions
        @OptionGroup var runOptions: RunOptions

        @Flag(help: "Print the jobs the spec expands to and stop; writes nothing.")
        var dryRun = false

        @Option(help: ArgumentHelp("Refuse a spec that expands to more jobs than this (counted before expanding, also with --dry-run).",
                                   valueName: "n"))
        var maxJobs = SweepPlan.defaultMaxJobs

        func validate() throws {
            if maxJobs < 1 { throw ValidationError("--max-jobs must be at least 1") }
            if let name, let problem = PlainName.problem(name) {
                throw ValidationError("--name \"\(name)\" is not a plain name (\(problem)): use \(PlainName.rule)")
            }
        }

        func run() throws {
            let file = try SpecFiles.resolve(spec)
            let plan = try dryRun
                ? Command.withoutCachingFiles { try SpecFiles.plan(file, maxJobs: maxJobs, overrides: overrides, name: name) }
                : SpecFiles.plan(file, maxJobs: maxJobs, overrides: overrides, name: name)
            if dryRun {
                let ids = FileManager.default.fileExists(atPath: store.db)
                    ? try Store(path: store.db, readOnly: true).jobIDs(keys: plan.jobs.map(\.key)) : [:]
                print(PlanTable.render(plan, ids: ids))
                if let difference = try difference(plan) { print(difference) }
                return
            }
            try SweepRun.launch(plan: plan, databasePath: store.db, options: runOptions,
                                checkout: GitCheckout.enclosing(URL(fileURLWithPath: file).deletingLastPathComponent().path, file: file))
        }

        /// `against sweep dist (revision 2) in sweep.sqlite: +4 new, 8 kept (6 done), 2 dropped`,
        /// or nil when the store has no sweep of that name. Reads only.
        private func difference(_ plan: SweepPlan) throws -> String? {
            guard FileManager.default.fileExists(atPath: store.db),
                  let (difference, revision) = try Store(path: store.db, readOnly: true)
                      .difference(sweep: plan.spec.name, keys: plan.jobs.map(\.key)) else { return nil }
            return "against sweep \(plan.spec.name) (revision \(revision)) in \(store.db): \(difference)"
        }
    }
}
