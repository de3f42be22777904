import SweepCore
import Testing
import Workloads

@testable import SweepSpec

/// The diagnostics a bad spec produces, as text.
func problems(_ text: String, file: String = "bad.json") -> [String] {
    do {
        _ = try SweepSpec(document: SpecDocument(file: file, text: text), workloads: WorkloadRegistry.all).plan()
        return []
    } catch {
        return error.diagnostics.map(\.description)
    }
}

@Suite struct SpecValidationTests {
    struct Case: Sendable, CustomStringConvertible {
        let spec: String
        let expected: String
        var description: String { expected }
    }

    static let cases: [Case] = [
        Case(spec: #"{"workload": "probe", "grid": {"value": [1, "x"]}}"#,
             expected: #"bad.json:1:45: grid.value[1]: expected a number in -1000000000.0...1000000000.0, got "x""#),
        Case(spec: #"{"workload": "probe", "base": {"epochs": -5}}"#,
             expected: "bad.json:1:42: base.epochs: expected an integer in 0...1000000, got -5"),
        Case(spec: #"{"workload": "probe", "base": {"epoch": 5}}"#,
             expected: #"bad.json:1:41: base.epoch: unknown parameter "epoch" of workload "probe"; did you mean "epochs"?"#),
        Case(spec: #"{"workload": "prob"}"#,
             expected: #"bad.json:1:14: workload: unknown workload "prob": expected one of probe, hitl-ddqn, lb-ppo, command; did you mean "probe"?"#),
        Case(spec: #"{"workload": "probe", "gird": {}}"#,
             expected: #"bad.json:1:31: gird: unknown key; did you mean "grid"?"#),
        Case(spec: #"{"workload": "probe", "grid": {"value": []}}"#,
             expected: "bad.json:1:41: grid.value: empty list: an axis needs at least one value"),
        Case(spec: #"{"workload": "probe", "grid": {"value": 3}}"#,
             expected: #"bad.json:1:41: grid.value: expected a list of values, got an integer (put fixed values in "base")"#),
        Case(spec: #"{"workload": "probe", "zip": [{"value": [1, 2], "epochs": [1]}]}"#,
             expected: "bad.json:1:31: zip[0]: lists in a zip group advance together and must have the same length (epochs: 1, value: 2)"),
        Case(spec: #"{"workload": "probe", "seeds": 0}"#,
             expected: "bad.json:1:32: seeds: expected a count n in 1...10000 (seeds 0..n-1) or a non-empty list of seeds"),
        Case(spec: #"{"workload": "probe", "base": {"seed": 1}}"#,
             expected: #"bad.json:1:40: base.seed: "seed" is set by the top-level "seeds" (a count or a list), not as a parameter"#),
        Case(spec: #"{"workload": "probe", "base": {"value": 1}, "grid": {"value": [2]}}"#,
             expected: #"bad.json:1:63: grid.value: "value" is also fixed in base; keep it in one place"#),
        Case(spec: #"{"workload": "probe", "grid": {"value": [1]}, "exclude": [{"value": 1}]}"#,
             expected: "bad.json:1:58: exclude: every config is excluded: the sweep would have no jobs"),
        Case(spec: #"{"workload": "probe", "name": "a b"}"#,
             expected: #"bad.json:1:31: name: expected a name of letters, digits, '-', '_' or '.', at most 64 characters, not "." or ".." (it names the sweep and its report folder)"#),
        Case(spec: "{\"workload\": \"probe\",\n  \"base\": {\"epochs\": 2,}\n}",
             expected: "bad.json:2:24: invalid JSON: expected a quoted member name"),
        Case(spec: #"{"name": "x"}"#,
             expected: #"bad.json:1:1: missing "workload": expected one of probe, hitl-ddqn, lb-ppo, command"#),
    ]

    @Test(arguments: cases)
    func rejectsWithAPreciseMessage(_ c: Case) {
        #expect(problems(c.spec) == [c.expected])
    }

    @Test func reportsEveryProblemInOnePass() {
        let found = problems(#"{"workload": "probe", "base": {"epochs": "many", "valu": 1}, "seeds": -1}"#)
        #expect(found.count == 3)
        #expect(found.contains { $0.contains("base.epochs") })
        #expect(found.contains { $0.contains("base.valu") && $0.contains("did you mean \"value\"") })
        #expect(found.contains { $0.contains("seeds:") })
    }

    @Test func yamlErrorsPointAtTheLine() {
        let found = problems("workload: probe\ngrid:\n  value: [1, oops]\n", file: "bad.yaml")
        #expect(found.count == 1)
        #expect(found.first?.hasPrefix("bad.yaml:3:") == true)
        #expect(found.first?.contains("grid.value[1]") == true)
    }

    @Test func didYouMeanFindsDottedParametersByTheirLeaf() {
        #expect(DidYouMean.suggestion(for: "width", among: ["kan.width", "mlp.width", "epochs"])
            == #"; did you mean "kan.width" or "mlp.width"?"#)
        #expect(DidYouMean.suggestion(for: "zzz", among: ["epochs"]) == "")
    }
}
