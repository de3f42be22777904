import ArgumentParser
import Foundation
import SweepCore
import SweepSpec
import SweepStore
import SweepViews
import Workloads

extension Sweep {
    struct Best: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The best configurations of a sweep by its objective (or --metric and --mode).",
            discussion: """
                Each configuration (the parameters that vary) is ranked by the mean over its \
                seeds of its done jobs' objective value (the spec's "objective": the last epoch's \
                value, the best one, or the mean of the last few), with the spread across seeds \
                and n. --json prints a list of objects, the best first.
                """)

        @Argument(help: ArgumentHelp("The sweep's name.", valueName: "sweep"))
        var sweep: String

        @Option(help: ArgumentHelp("The metric to rank by (default: the spec's objective).", valueName: "name"))
        var metric: String?

        @Option(help: ArgumentHelp("max or min (default: the spec's objective; with --metric alone, max).", valueName: "mode"))
        var mode: String?

        @Option(help: "How many configurations to show.")
        var top = 5

        @Flag(help: "Print JSON: a list of objects with job, config, value, sd, n, best, epochs, jobs.")
        var json = false

        @OptionGroup var store: StoreOptions

        func validate() throws {
            guard (1...10_000).contains(top) else { throw ValidationError("--top must be from 1 to 10000, not \(top)") }
            if let mode, Objective.Mode(rawValue: mode) == nil { throw ValidationError("--mode must be max or min, not \(TerminalText.oneLine(mode))") }
        }

        func run() throws {
            let info = try StoredSweep.find(sweep, databasePath: store.db)
            let db = try StoreReader(path: store.db)
            let stored = try? SweepSpec(document: SpecDocument(file: info.specPath, text: info.specText), workloads: WorkloadRegistry.all)
            let spec = stored?.objective
            guard let name = metric ?? spec?.metric else {
                throw CommandFailure("sweep \(info.name) has no objective: pass --metric NAME (and --mode max or min), "
                    + "or add \"objective\": {\"metric\": ..., \"mode\": ...} to its spec")
            }
            // The spec's objective, unless the flags name another metric (then max, at the last epoch).
            let sameMetric = spec?.metric == name
            let objective = Objective(
                metric: name, mode: mode.flatMap(Objective.Mode.init) ?? (sameMetric ? spec?.mode : nil) ?? .max,
                at: sameMetric ? spec?.at ?? .last : .last)
            let ranked = try BestConfig.rank(store: db, sweep: info, objective: objective, top: top)
            if json {
                print(JSONValue.array(ranked.map(\.json)).canonicalText)
                return
            }
            guard !ranked.isEmpty else {
                print("no done job of sweep \(info.name) reported \(TerminalText.oneLine(name)) yet")
                return
            }
            print("sweep \(info.name): best by \(objective.description)")
            let names = Set(ranked.flatMap(\.config.keys)).sorted()
            let columns = names.map { name in JSONValue.displayTexts(ranked.map { $0.config[name] }) }
            let values = JSONValue.displayTexts(ranked.map { .double($0.value) })
            let rows = ranked.indices.map { i -> [String] in
                let entry = ranked[i]
                let spread = entry.sd.map { " ± " + JSONValue.displayTexts([.double($0)])[0] } ?? ""
                return ["\(i + 1)", "\(entry.jobs[0])"] + columns.map { $0[i] }
                    + [values[i] + spread, "\(entry.jobs.count)", JSONValue.displayTexts([.double(entry.best)])[0], "\(entry.epochs)"]
            }
            print(TextTable.render(headers: ["rank", "job"] + names + [objective.metric, "n", "best epoch value", "epochs"], rows: rows))
        }
    }
}
