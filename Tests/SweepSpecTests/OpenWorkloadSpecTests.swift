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
            {"workload": "command", "base": {"command": "prog {opt.depth} {tags}", "opt": {"depth": 2}, "tags": ["a", "b"]},
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
}
