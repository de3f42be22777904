import Foundation
import SweepCore
import Testing
import Workloads

@testable import SweepSpec

/// `"sample": {"method": "tpe"}`: read, checked and planned as a search, not a job list.
@Suite struct SpecSearchTests {
    static func spec(_ sample: String, extra: String = "", objective: String = #""objective": {"metric": "loss", "mode": "min"},"#) -> String {
        #"{"name": "s", "workload": "probe", "base": {"epochs": 3}, \#(objective) \#(extra) "sample": \#(sample)}"#
    }

    static let tpe = #"{"method": "tpe", "n": 30, "seed": 2, "params": {"value": {"uniform": [0, 10]}, "fail_at_epoch": {"choice": [-1, 2]}}}"#

    @Test func aTPESearchIsPlannedAsATemplateWithNoJobs() throws {
        let p = try plan(Self.spec(Self.tpe))
        #expect(p.jobs.isEmpty)
        let search = try #require(p.search)
        #expect(search.sample.method == .tpe && search.sample.count == 30 && search.sample.startup == 10 && search.sample.seed == 2)
        #expect(search.template["epochs"] == 3 && search.template["seed"] == 0)
        #expect(search.template["value"] == 1.0, "the template keeps the default; trials put in their own")
        #expect(search.objective.metric == "loss")
        #expect(p.varying == ["fail_at_epoch", "value"])
        // The identity: the same for the same search, another for another seed; n is not part of it.
        let again = try #require(try plan(Self.spec(Self.tpe.replacingOccurrences(of: "\"n\": 30", with: "\"n\": 60"))).search)
        let reseeded = try #require(try plan(Self.spec(Self.tpe.replacingOccurrences(of: "\"seed\": 2", with: "\"seed\": 3"))).search)
        #expect(search.identity == again.identity)
        #expect(search.identity != reseeded.identity)
        #expect(search.identity.hasPrefix("search-"))
    }

    @Test func startupIsRead() throws {
        let p = try plan(Self.spec(#"{"method": "tpe", "n": 30, "startup": 4, "params": {"value": {"uniform": [0, 10]}}}"#))
        // Joint by default, as Optuna 5.1's TPESampler() for one objective.
        #expect(p.search?.sample.startup == 4 && p.search?.sample.multivariate == true)
        let alone = try plan(Self.spec(#"{"method": "tpe", "n": 30, "startup": 4, "multivariate": false, "params": {"value": {"uniform": [0, 10]}}}"#))
        #expect(alone.search?.sample.multivariate == false)
        #expect(alone.search?.identity != p.search?.identity)
        // Random stays the default and plans its draws.
        let random = try plan(Self.spec(#"{"n": 5, "params": {"value": {"uniform": [0, 10]}}}"#))
        #expect(random.search == nil && random.jobs.count == 5)
    }

    struct Case: Sendable, CustomStringConvertible {
        let spec: String
        let expected: String
        var description: String { expected }
    }

    static let cases: [Case] = [
        Case(spec: spec(#"{"method": "bayes", "n": 3, "params": {"value": {"uniform": [0, 1]}}}"#),
             expected: #"sample.method: unknown method "bayes": expected one of "random", "tpe""#),
        Case(spec: spec(#"{"n": 3, "startup": 2, "params": {"value": {"uniform": [0, 1]}}}"#),
             expected: #"sample.startup: startup is the number of random trials before a model-based search: it needs "method": "tpe""#),
        Case(spec: spec(#"{"method": "tpe", "n": 3, "startup": 0, "params": {"value": {"uniform": [0, 1]}}}"#),
             expected: "sample.startup: expected the number of random trials before the model is used, an integer in 1...10000"),
        Case(spec: spec(#"{"n": 3, "multivariate": true, "params": {"value": {"uniform": [0, 1]}}}"#),
             expected: #"sample.multivariate: multivariate is how a model-based search models the parameters: it needs "method": "tpe""#),
        Case(spec: spec(#"{"method": "tpe", "n": 3, "multivariate": "yes", "params": {"value": {"uniform": [0, 1]}}}"#),
             expected: "sample.multivariate: expected true (model the parameters jointly, the default) or false (each on its own)"),
        Case(spec: spec(#"{"method": "tpe", "n": 10001, "params": {"value": {"uniform": [0, 1]}}}"#),
             expected: "sample.n: expected the number of trials, an integer in 1...10000 (each proposal looks at every trial so far)"),
        Case(spec: spec(#"{"method": "tpe", "n": 3, "params": {"value": {"uniform": [0, 1]}}}"#, extra: #""grid": {"sleep_ms": [1, 2]},"#),
             expected: "grid: sample.method tpe proposes each config from the results so far, so it cannot be crossed with grid"),
        Case(spec: spec(#"{"method": "tpe", "n": 3, "params": {"value": {"uniform": [0, 1]}}}"#, extra: #""seeds": 3,"#),
             expected: "seeds: sample.method tpe runs each trial once: give one seed (3 given)"),
        Case(spec: spec(#"{"method": "tpe", "n": 3, "params": {"value": {"uniform": [0, 1]}}}"#, objective: ""),
             expected: #"sample.method: tpe needs an objective to optimise: add "objective""#),
        Case(spec: spec(#"{"method": "tpe", "n": 3, "params": {"value": {"uniform": [-1e9, 1e9]}, "sleep_ms": {"int_uniform": [0, 3600000]}}}"#),
             expected: ""),
        Case(spec: spec(#"{"method": "tpe", "n": 3, "params": {"value": {"uniform": [0, 1]}}}"#,
                        extra: #""stop": {"rule": "asha", "pause": true},"#),
             expected: "stop.pause: sample.method tpe stops trials, it does not pause them: remove stop.pause"),
        Case(spec: spec(#"{"n": 3, "params": {"value": {"uniform": [0, 1]}}}"#, extra: #""stop": {"rule": "median", "pause": true},"#),
             expected: "stop.pause: belongs to asha and hyperband"),
        Case(spec: spec(#"{"n": 3, "params": {"value": {"uniform": [0, 1]}}}"#, extra: #""stop": {"rule": "asha", "pause": "yes"},"#),
             expected: #"stop.pause: expected true or false, got "yes""#),
        Case(spec: spec(#"{"n": 3, "params": {"value": {"uniform": [0, 1]}}}"#, extra: #""stop": {"rule": "hyperband", "pause": true},"#),
             expected: ""),
    ]

    @Test(arguments: cases) func badSearchesAreRefusedNamingFileAndField(_ c: Case) {
        let found = problems(c.spec, file: "s.json")
        if c.expected.isEmpty {
            #expect(found.isEmpty, "\(found)")
        } else {
            #expect(found.contains { $0.hasPrefix("s.json:") && $0.contains(c.expected) }, "\(found)")
        }
    }

    @Test func methodAndStartupAreOverridden() throws {
        let document = try SpecDocument(file: "s.json", text: Self.spec(#"{"n": 8, "params": {"value": {"uniform": [0, 10]}}}"#))
        func spec(_ overrides: [String]) throws -> SweepSpec {
            try SweepSpec(document: try SpecOverrides(overrides).apply(to: document, name: "s2", workloads: WorkloadRegistry.all),
                          workloads: WorkloadRegistry.all)
        }
        let tpe = try spec(["sample.method=tpe", "sample.startup=3"])
        #expect(tpe.sample?.method == .tpe && tpe.sample?.startup == 3)
        #expect(try spec([]).sample?.method == .random)
        // The reader checks the result.
        #expect(throws: SpecError.self) { try spec(["sample.method=grid"]) }
        #expect(throws: SpecError.self) { try spec(["sample.startup=3"]) }
    }

    @Test func openProgramsWithHugeSpansAreRefused() {
        let text = #"""
            {"name": "c", "workload": "command", "base": {"command": "echo {x} {k}"},
             "objective": {"metric": "loss", "mode": "min"},
             "sample": {"method": "tpe", "n": 3, "params": {"x": {"uniform": [-1e308, 1e308]}, "k": {"int_uniform": [0, 9007199254740993]}}}}
            """#
        let found = problems(text, file: "c.json")
        #expect(found.contains { $0.contains("sample.params.x.uniform") && $0.contains("overflows") }, "\(found)")
        #expect(found.contains { $0.contains("sample.params.k.int_uniform") && $0.contains("2^53") }, "\(found)")
    }
}
