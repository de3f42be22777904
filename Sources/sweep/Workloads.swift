import ArgumentParser
import SweepCore
import SweepSpec
import SweepViews
import Workloads

extension Sweep {
    struct Workloads: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the workloads and their parameters (the keys a spec may set).")

        @Argument(help: ArgumentHelp("Show only this workload.", valueName: "name"))
        var name: String?

        @Flag(help: "Print JSON: each workload with its parameters (type, min, max, choices, default, doc).")
        var json = false

        func run() throws {
            let all = WorkloadRegistry.all.filter { name == nil || $0.name == name }
            guard !all.isEmpty else {
                throw ValidationError("no workload \"\(name ?? "")\"; known: " + WorkloadRegistry.all.map { $0.name }.joined(separator: ", "))
            }
            if json {
                print(JSONOutput.workloads(all).canonicalText)
                return
            }
            for workload in all {
                print("\(workload.name) (version \(workload.version)): \(workload.summary)")
                let rows = workload.parameters.map { p in
                    [p.name, p.defaultValue.displayText, p.expectation, p.doc]
                }
                print(TextTable.render(headers: ["parameter", "default", "takes", "meaning"], rows: rows))
                if !workload.guide.isEmpty { print("\n" + workload.guide) }
                print()
            }
        }
    }
}
