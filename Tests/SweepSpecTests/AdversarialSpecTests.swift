import Foundation
import SweepCore
import Testing
import Workloads

@testable import SweepSpec

/// Hostile specs: each is refused quickly, with a message that names the file, a line and
/// a column, and what is wrong. The time bound (`refusalSeconds`) is generous for a loaded
/// machine and a debug build; what it guards against (expanding, aliasing, quadratic checks)
/// takes minutes.
@Suite struct AdversarialSpecTests {
    struct Case: Sendable, CustomStringConvertible {
        let name: String
        let file: String
        let text: @Sendable () -> String
        /// A piece of the one diagnostic expected.
        let message: String
        var description: String { name }
    }

    static let cases: [Case] = [
        Case(name: "50,000-deep JSON list", file: "deep.json",
             text: { #"{"workload": "probe", "base": {"value": "# + String(repeating: "[", count: 50_000) + String(repeating: "]", count: 50_000) + "}}" },
             message: "nest more than 64 deep"),
        Case(name: "50,000-deep JSON object", file: "deep.json",
             text: { String(repeating: #"{"a":"#, count: 50_000) + "1" + String(repeating: "}", count: 50_000) },
             message: "nest more than 64 deep"),
        Case(name: "50,000-deep YAML flow list", file: "deep.yaml",
             text: { "workload: probe\nbase:\n  value: " + String(repeating: "[", count: 50_000) + String(repeating: "]", count: 50_000) },
             message: "nest more than 64 deep"),
        Case(name: "billion laughs", file: "laughs.yaml",
             text: {
                 var text = "workload: probe\nl0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
                 for i in 1...9 { text += "l\(i): &l\(i) [" + Array(repeating: "*l\(i - 1)", count: 10).joined(separator: ", ") + "]\n" }
                 return text + "base: {value: *l9}\n"
             },
             message: "YAML anchors (&l0) are not supported"),
        Case(name: "alias as a mapping key", file: "alias.yaml",
             text: { "workload: probe\nbase:\n  *k : 1\n" },
             message: "YAML aliases (*k) are not supported"),
        Case(name: "1000 x 1000 x 1000 grid", file: "grid.json",
             text: {
                 let list = intList(1000)
                 return #"{"workload": "probe", "grid": {"epochs": \#(list), "sleep_ms": \#(list), "fail_at_epoch": \#(list)}}"#
             },
             message: "expands to 1000000000 jobs"),
        Case(name: "10^7 jobs with seeds", file: "seeds.yaml",
             text: { "workload: probe\ngrid:\n  epochs: \(intList(1000))\nseeds: \(intList(10_000))\n" },
             message: "expands to 10000000 jobs (grid 1000, 10000 seeds)"),
        Case(name: "duplicate JSON key", file: "dup.json",
             text: { #"{"workload": "probe", "workload": "probe"}"# },
             message: "workload: given twice, first at 1:14"),
        Case(name: "duplicate YAML key", file: "dup.yaml",
             text: { "workload: probe\nseeds: 1\nseeds: 2\n" },
             message: "seeds: given twice, first at 2:8"),
        Case(name: "nested and dotted parameter", file: "clash.json",
             text: { #"{"workload": "hitl-ddqn", "base": {"kan": {"width": 8}, "kan.width": 16}}"# },
             message: "base.kan.width: given twice, first at 1:53"),
        Case(name: "unknown YAML tag", file: "tag.yaml",
             text: { "workload: !!python/object:os.system probe\n" },
             message: "unknown YAML tag !!python/object:os.system"),
        Case(name: "wrong type", file: "type.json",
             text: { #"{"workload": "probe", "grid": {"epochs": [1, {"x": 2}]}}"# },
             message: "grid.epochs[1]: expected an integer"),
        Case(name: "spec larger than 4 MiB", file: "big.json",
             text: { #"{"workload": "probe", "grid": {"epochs": "# + intList(700_000) + "}}" },
             message: "larger than 4 MiB"),
        Case(name: "more excludes than the cap", file: "excl.json",
             text: { #"{"workload": "probe", "exclude": ["# + Array(repeating: #"{"epochs": 1}"#, count: 2000).joined(separator: ",") + "]}" },
             message: "2000 entries, more than 1000"),
        Case(name: "1 MiB parameter name", file: "name.json",
             text: { #"{"workload": "probe", "base": {""# + String(repeating: "w", count: 1 << 20) + #"": 1}}"# },
             message: "unknown parameter"),
        // Empty dotted parts: {"a.b": 1, "a..b": 2} gave one job key or the other from run to run.
        Case(name: "a..b beside a.b", file: "empty.json",
             text: { #"{"workload": "command", "base": {"command": "true", "a.b": 1, "a..b": 2}}"# },
             message: #"base.a..b: "a..b" is not a parameter name: expected non-empty parts joined by dots"#),
        Case(name: "a trailing dot, nested", file: "empty.json",
             text: { #"{"workload": "command", "base": {"command": "true", "a": {"": 1}}}"# },
             message: #""a." is not a parameter name"#),
        Case(name: "a leading dot in a grid", file: "empty.yaml",
             text: { "workload: command\nbase: {command: \"true\"}\ngrid:\n  .a: [1, 2]\n" },
             message: #"grid..a: ".a" is not a parameter name"#),
        Case(name: "an empty part in a zip", file: "empty.json",
             text: { #"{"workload": "command", "base": {"command": "true"}, "zip": [{"a..b": [1, 2]}]}"# },
             message: #""a..b" is not a parameter name"#),
        Case(name: "an empty part in an include", file: "empty.json",
             text: { #"{"workload": "command", "base": {"command": "true"}, "include": [{"x.": 1}]}"# },
             message: #""x." is not a parameter name"#),
        Case(name: "an empty part in an exclude", file: "empty.json",
             text: { #"{"workload": "command", "base": {"command": "true"}, "grid": {"a": [1, 2]}, "exclude": [{"a..": 1}]}"# },
             message: #""a.." is not a parameter name"#),
        Case(name: "an empty part in a sample", file: "empty.json",
             text: { #"{"workload": "command", "base": {"command": "true"}, "sample": {"n": 2, "params": {"a..b": {"uniform": [0, 1]}}}}"# },
             message: #"sample.params.a..b: "a..b" is not a parameter name"#),
        Case(name: "an empty part in a report's rows", file: "empty.json",
             text: { #"{"workload": "command", "base": {"command": "true"}, "grid": {"a": [1, 2]}, "report": {"tables": [{"rows": ["a..b"], "metrics": ["m"]}]}}"# },
             message: #""a..b" is not a parameter name"#),
        Case(name: "huge seed list with a repeat", file: "seeds.json",
             text: { #"{"workload": "probe", "seeds": "# + intList(100_000).dropLast() + ",7]}" },
             message: "seeds[100000]: duplicate seed 7"),
    ]

    @Test(arguments: cases)
    func isRefusedQuicklyWithAPosition(_ c: Case) throws {
        let text = c.text()
        let (found, seconds) = timed { problems(text, file: c.file) }
        #expect(found.count == 1, "\(found.map { $0.prefix(300) })")
        let first = found.first ?? ""
        let position = try #require(try Regex(#"^[a-z]+\.(json|yaml):[0-9]+:[0-9]+: "#).prefixMatch(in: first), "no file:line:col in \(first.prefix(300))")
        #expect(first[position.range.upperBound...].contains(c.message), "\(first.prefix(300))")
        #expect(seconds < refusalSeconds, "\(c.name) took \(seconds) s")
    }
}
