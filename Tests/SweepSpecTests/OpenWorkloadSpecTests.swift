import Foundation
import SweepCore
import Testing
import Workloads

@testable import SweepSpec

/// A workload that takes any parameter (`command`): free names and values everywhere a
/// built-in workload's parameters go, and its own checks still applied.
@Suite struct OpenWorkloadSpecTests {
    func plan(_ text: String) throws -> SweepPlan {
        try SweepSpec(document: SpecDocument(file: "open.json", text: text), workloads: WorkloadRegistry.all).plan()
    }

    @Test func freeParametersTakeAnyValueInBaseGridIncludeExcludeAndSample() throws {
        let plan = try plan("""
            {"workload": "command", "free_params": true,
             "base": {"command": "prog {opt.depth} {tags}", "opt": {"depth": 2}, "tags": ["a", "b"]},
             "grid": {"act": ["relu", "gelu"], "width": [1, 2.5]}, "exclude": [{"act": "gelu", "width": 1}],
             "include": [{"act": {"kind": "swish"}}],
             "sample": {"n": 2, "seed": 7, "params": {"lr": {"log_uniform": [0.001, 0.1]}}}}
            """)
        let configs = plan.jobs.map(\.config)
        // (2 x 2 grid - 1 excluded) x 2 samples, and the include entry as it is.
        #expect(configs.count == (4 - 1) * 2 + 1)
        let tags: JSONValue = ["a", "b"], none: JSONValue = []
        #expect(configs.allSatisfy { $0["opt.depth"] == .int(2) })
        #expect(configs.allSatisfy { $0["tags"] == tags && $0["files"] == none })
        #expect(configs.contains { $0["act.kind"] == .string("swish") })
        #expect(!configs.contains { $0["act"] == .string("gelu") && $0["width"] == .int(1) })
        let sampled = configs.filter { $0["act.kind"] == nil }
        #expect(sampled.count == 6 && sampled.allSatisfy { ($0["lr"]?.doubleValue).map { (0.001...0.1).contains($0) } == true })
        #expect(Set(plan.varying).isSuperset(of: ["act", "width", "lr"]))
    }

    @Test func aNameCannotHoldBothAValueAndNestedValues() throws {
        #expect(throws: SpecError.self) { try plan(#"{"workload": "command", "base": {"command": "p", "a": 1, "a-x": 2}, "grid": {"a.b.c": [1, 2]}}"#) }
    }

    @Test func aPlaceholderNamingNothingIsRefusedWhereTheCommandIsWritten() throws {
        let text = """
            {"workload": "command",
             "grid": {"command": ["prog {lr}", "prog {lrr}"], "lr": [1]}}
            """
        do {
            _ = try plan(text)
            Issue.record("a placeholder naming nothing was accepted")
        } catch {
            #expect("\(error)".contains("open.json:2:") && "\(error)".contains("grid.command") && "\(error)".contains("{lrr}"), "\(error)")
        }
    }

    @Test func aMisspeltPlaceholderIsReportedOnceWithASuggestionAtItsPlaceInTheFileEvenUnderOverrides() throws {
        let text = """
            {"workload": "command",
             "base": {"command": "prog --lr {lr} --width {widht}", "width": 4},
             "grid": {"lr": [0.1, 0.01, 0.001]}, "seeds": 2}
            """
        let document = try SpecDocument(file: "open.json", text: text)
        for overrides in [[], ["lr=0.5,0.6"], ["width=8"]] {
            let changed = overrides.isEmpty ? document
                : try SpecOverrides(overrides).apply(to: document, name: "o", workloads: WorkloadRegistry.all)
            let error = #expect(throws: SpecError.self) { try SweepSpec(document: changed, workloads: WorkloadRegistry.all).plan() }
            let messages = error?.diagnostics.map(\.description) ?? []
            #expect(messages.count == 1, "\(overrides): \(messages)")
            #expect(messages.first?.hasPrefix("open.json:2:") == true, "\(overrides): \(messages)")
            #expect(messages.first?.contains("every config") == true, "\(messages)")
            #expect(messages.first?.contains(#"{widht}"#) == true && messages.first?.contains(#"did you mean "width"?"#) == true, "\(messages)")
        }
    }

    @Test func anIncludeEntryNamingAParameterNothingElseNamesIsATypoUnlessFreeParams() throws {
        let text = """
            {"workload": "command", "base": {"command": "prog {alpha} {width}", "alpha": 0.1},
             "grid": {"width": [1, 2]}, "include": [{"alpha": 0.5, "width": 3}, {"alhpa": 0.2, "width": 5}]}
            """
        let error = #expect(throws: SpecError.self) { try plan(text) }
        #expect(error?.diagnostics.map(\.description) == [
            #"open.json:2:79: include[1].alhpa: "alhpa" is named nowhere else in the spec (base, grid, zip, sample or a {placeholder}); did you mean "alpha"?; to pass it anyway, set "free_params": true"#,
        ])
        // A placeholder names a parameter too: {width} in the command, set only by include.
        #expect(try plan(#"{"workload": "command", "base": {"command": "prog {width}"}, "include": [{"width": 3}]}"#).jobs.count == 1)
        let free = text.replacingOccurrences(of: #"{"workload": "command","#, with: #"{"workload": "command", "free_params": true,"#)
        #expect(try plan(free).jobs.count == 4)
        let document = try SpecDocument(file: "open.json", text: free)
        let changed = try SpecOverrides(["beta=1"]).apply(to: document, name: "f", workloads: WorkloadRegistry.all)
        #expect(try SweepSpec(document: changed, workloads: WorkloadRegistry.all).base["beta"] == 1)
    }

    @Test func anOverrideMayChangeAParameterOnlyAPlaceholderNames() throws {
        let document = try SpecDocument(file: "open.json", text: #"{"workload": "command", "base": {"command": "prog {width}"}, "include": [{"width": 3}]}"#)
        let changed = try SpecOverrides(["width=4,5"]).apply(to: document, name: "w", workloads: WorkloadRegistry.all)
        #expect(try SweepSpec(document: changed, workloads: WorkloadRegistry.all).plan().jobs.count == 3)
    }
}
