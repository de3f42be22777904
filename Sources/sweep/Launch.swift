import ArgumentParser
import Foundation
import SweepCoordinator
import SweepCore
import SweepGit
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
                (named by --name, or a name derived from them), in Hydra's override grammar: \
                epochs=5 fixes a parameter, model=kan,mlp, x=choice(1,2) or x=range(1,5) make \
                a grid axis, lr=interval(0,1) samples it, +key=v adds a parameter, ++key=v sets \
                or adds, ~key removes, seeds=3 sets the seeds, sample.n=50 changes the sample. \
                Example: sweep launch dist epochs=5 model=kan,mlp
                """)

        @Argument(help: ArgumentHelp("The spec file or its bare name.", valueName: "spec"))
        var spec: String

        @Argument(help: ArgumentHelp("Changes to the spec in Hydra's grammar: key=value, key=a,b, +key=v, ~key, seeds=N.",
                                     valueName: "key=value"))
        var overrides: [String] = []

        @Option(help: ArgumentHelp("The sweep's name (default: the spec's; with overrides, one derived from them).",
                                   valueName: "name"))
        var name: String?

        @OptionGroup var store: StoreOptions
        @OptionGroup var runOptions: RunOptions

        @Flag(help: "Print the jobs the spec expands to and stop; writes nothing.")
        var dryRun = false

        @Flag(help: "Run the jobs a stop rule ended early to the end (they are kept as they are otherwise).")
        var rerunStopped = false

        @Option(parsing: .unconditional, help: ArgumentHelp("Refuse a spec that expands to more jobs than this (counted before expanding, also with --dry-run).",
                                   valueName: "n"))
        var maxJobs = SweepPlan.defaultMaxJobs

        func validate() throws {
            if maxJobs < 1 { throw ValidationError("--max-jobs must be a positive number of jobs, not \(maxJobs)") }
            if maxJobs > SweepPlan.maxJobsCeiling {
                throw ValidationError("--max-jobs must be at most \(SweepPlan.maxJobsCeiling) (planning holds every job in memory, "
                    + "about 1.6 KB each), got \(maxJobs): split the sweep into several specs")
            }
            if let name, let problem = PlainName.problem(name) {
                throw ValidationError("--name \"\(name)\" is not a plain name (\(problem)): use \(PlainName.rule)")
            }
        }

        func run() throws {
            let file = try SpecFiles.resolve(spec)
            var plan = try dryRun
                ? Command.withoutCachingFiles { try SpecFiles.plan(file, maxJobs: maxJobs, overrides: overrides, name: name) }
                : SpecFiles.plan(file, maxJobs: maxJobs, overrides: overrides, name: name)
            if let warning = try otherSpecWarning(plan) { FileHandle.standardError.write(Data("warning: \(warning)\n".utf8)) }
            if dryRun {
                // Says how a stored search would go on (its own settings), or why it cannot.
                plan = try SearchContinuation.resolve(plan, databasePath: store.db).plan
                let ids = FileManager.default.fileExists(atPath: store.db)
                    ? try StoreReader(path: store.db).jobIDs(keys: plan.jobs.map(\.key)) : [:]
                print(PlanTable.render(plan, ids: ids))
                if plan.search == nil, let difference = try difference(plan) { print(difference) }
                return
            }
            try SweepRun.launch(plan: plan, databasePath: store.db, options: runOptions, rerunStopped: rerunStopped,
                                checkout: GitCheckout.enclosing(URL(fileURLWithPath: file).deletingLastPathComponent().path, file: file))
        }

        /// Says so when the sweep of this name was launched from another spec file: this launch
        /// makes a new revision of it (its jobs not in this spec are dropped), which two files
        /// that happen to share a `name` never mean. Reads only.
        private func otherSpecWarning(_ plan: SweepPlan) throws -> String? {
            guard FileManager.default.fileExists(atPath: store.db),
                  let stored = try StoreReader(path: store.db).sweep(named: plan.spec.name) else { return nil }
            func source(_ path: String) -> String {
                // An overridden spec's path is "FILE (+ overrides)": the file is what matters.
                let file = path.range(of: " (+ ").map { String(path[..<$0.lowerBound]) } ?? path
                return URL(fileURLWithPath: file).standardizedFileURL.path
            }
            guard source(stored.specPath) != source(plan.spec.document.file) else { return nil }
            return """
                sweep "\(plan.spec.name)" in \(store.db) was launched from \(stored.specPath); launching \
                \(plan.spec.document.file) makes a new revision of it, and that sweep's jobs not in this spec leave it. \
                To keep both, give this one another name (--name NEW or its "name").
                """
        }

        /// `against sweep dist (revision 2) in sweep.sqlite: +4 new, 8 kept (6 done), 2 dropped`,
        /// or nil when the store has no sweep of that name. Reads only.
        private func difference(_ plan: SweepPlan) throws -> String? {
            guard FileManager.default.fileExists(atPath: store.db) else { return nil }
            let db = try StoreReader(path: store.db)
            guard let (difference, revision) = try db.difference(sweep: plan.spec.name, keys: plan.jobs.map(\.key)) else { return nil }
            var text = "against sweep \(plan.spec.name) (revision \(revision)) in \(store.db): \(difference)"
            if difference.added > 0, let sweep = try db.sweep(named: plan.spec.name) {
                let changes = Self.fileChanges(from: try db.jobs(of: sweep.id).map(\.config), to: plan.jobs.map(\.config))
                if !changes.isEmpty { text += "\n  new because " + changes.joined(separator: ", ") }
            }
            return text
        }

        /// The `files` whose content differs between the stored jobs and the planned ones
        /// (`train.py changed (sha 1a2b -> 9f8e)`): why editing the program makes new jobs.
        static func fileChanges(from stored: [JobConfig], to planned: [JobConfig]) -> [String] {
            func hashes(_ configs: [JobConfig]) -> [String: Set<String>] {
                var hashes: [String: Set<String>] = [:]
                for config in configs {
                    for entry in config["files"]?.arrayValue ?? [] {
                        if let path = entry["path"]?.stringValue, let sha = entry["sha256"]?.stringValue { hashes[path, default: []].insert(sha) }
                    }
                }
                return hashes
            }
            let before = hashes(stored), after = hashes(planned)
            var changes: [String] = []
            for (path, now) in after.sorted(by: { $0.key < $1.key }) {
                guard let then = before[path] else { changes.append("\(TerminalText.oneLine(path)) is new"); continue }
                guard now != then else { continue }
                let short = { (set: Set<String>) in set.sorted().map { String($0.prefix(4)) }.joined(separator: "/") }
                changes.append("\(TerminalText.oneLine(path)) changed (sha \(short(then)) -> \(short(now)))")
            }
            for path in before.keys.sorted() where after[path] == nil { changes.append("\(TerminalText.oneLine(path)) is gone") }
            return Array(changes.prefix(10)) + (changes.count > 10 ? ["\(changes.count - 10) more files"] : [])
        }
    }
}
