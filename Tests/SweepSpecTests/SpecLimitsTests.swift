import Foundation
import SweepCore
import Testing
import Workloads

@testable import SweepSpec

/// Runs `body` and returns its result with the seconds it took.
func timed<T>(_ body: () throws -> T) rethrows -> (T, Double) {
    let start = DispatchTime.now().uptimeNanoseconds
    let result = try body()
    return (result, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
}

/// The seconds a refusal may take: a hang guard, not a speed test. A blow-up (expanding the
/// grid, billion laughs, quadratic nesting) takes minutes to hours; a debug build on a busy
/// 2-core CI machine answers in well under a second, yet a tighter bound made these tests
/// fail there when other suites ran: the guard leaves room for builds running beside them.
let refusalSeconds = 30.0

/// A list of `n` distinct integers as JSON text: `[0,1,...,n-1]`.
func intList(_ n: Int, from start: Int = 0) -> String {
    "[" + (start..<start + n).map(String.init).joined(separator: ",") + "]"
}

/// The job count, the cap, the YAML reader's refusals, nesting and parameters given twice.
@Suite struct SpecLimitsTests {
    @Test func aBillionJobGridIsRefusedBeforeExpanding() throws {
        let spec = #"{"workload": "probe", "grid": {"epochs": \#(intList(1000)), "sleep_ms": \#(intList(1000)), "fail_at_epoch": \#(intList(1000))}}"#
        let (found, seconds) = timed { problems(spec) }
        #expect(found == ["bad.json:1:31: grid: the spec expands to 1000000000 jobs (grid 1000 x 1000 x 1000, 1 seed), "
            + "more than the cap of 100000: sweep fewer values, or raise the cap with --max-jobs N"])
        #expect(seconds < refusalSeconds, "took \(seconds) s")
    }

    @Test func tenMillionJobsAreRefusedAndOverflowSaturates() throws {
        let tenMillion = #"{"workload": "probe", "grid": {"epochs": \#(intList(1000)), "sleep_ms": \#(intList(1000))}, "seeds": 10}"#
        let (found, seconds) = timed { problems(tenMillion) }
        #expect(found.count == 1 && found[0].contains("expands to 10000000 jobs (grid 1000 x 1000, 10 seeds)"), "\(found)")
        #expect(seconds < refusalSeconds, "took \(seconds) s")

        // 10^4 per axis over five axes and 10^4 seeds is 10^24 jobs: more than Int holds.
        let axes = ["value", "epochs", "sleep_ms", "fail_at_epoch", "crash_at_epoch"]
            .map { #""\#($0)": \#(intList(10_000, from: $0 == "fail_at_epoch" || $0 == "crash_at_epoch" ? -1 : 0))"# }
        let huge = #"{"workload": "probe", "grid": {\#(axes.joined(separator: ", "))}, "seeds": 10000}"#
        let spec = try SweepSpec(document: SpecDocument(file: "huge.json", text: huge), workloads: WorkloadRegistry.all)
        #expect(spec.jobCount == Int.max)
        let (refused, hugeSeconds) = timed { problems(huge, file: "huge.json") }
        #expect(refused.count == 1 && refused[0].contains("expands to more than \(Int.max) jobs"), "\(refused)")
        #expect(hugeSeconds < refusalSeconds, "took \(hugeSeconds) s")
    }

    @Test func theCountIncludesZipIncludesAndSeedsAndTheCapIsInclusive() throws {
        let text = """
            {"workload": "probe", "grid": {"value": [1, 2, 3]}, "zip": [{"epochs": [1, 2], "sleep_ms": [0, 1]}],
             "include": [{"value": 9}], "seeds": 2}
            """
        let spec = try SweepSpec(document: SpecDocument(file: "c.json", text: text), workloads: WorkloadRegistry.all)
        #expect(spec.jobCount == (3 * 2 + 1) * 2)
        #expect(try spec.plan(maxJobs: 14).jobs.count == 14)
        #expect(throws: SpecError.self) { try spec.plan(maxJobs: 13) }
        do {
            _ = try spec.plan(maxJobs: 13)
        } catch {
            #expect(error.description == "c.json:1:31: grid: the spec expands to 14 jobs (grid 3, zip 2, 1 includes, 2 seeds), "
                + "more than the cap of 13: sweep fewer values, or raise the cap with --max-jobs N")
        }
        // Include-only and base-only specs.
        let includes = try SweepSpec(document: SpecDocument(file: "i.json", text: #"{"workload": "probe", "include": [{"value": 1}, {"value": 2}]}"#),
                                     workloads: WorkloadRegistry.all)
        #expect(includes.jobCount == 2)
        let base = try SweepSpec(document: SpecDocument(file: "b.json", text: #"{"workload": "probe", "seeds": 3}"#), workloads: WorkloadRegistry.all)
        #expect(base.jobCount == 3)
    }

    @Test func zipListsArePositionsAndMayRepeatValues() throws {
        let p = try plan(#"{"workload": "probe", "zip": [{"value": [0.1, 0.1, 0.01], "epochs": [32, 64, 64]}]}"#)
        #expect(p.jobs.map { $0.config.double("value") } == [0.1, 0.1, 0.01])
        #expect(p.jobs.map { $0.config.int("epochs") } == [32, 64, 64])
        #expect(Set(p.jobs.map(\.key)).count == 3)
        // Two equal positions resolve to one config: one job, counted as a duplicate.
        let twice = try plan(#"{"workload": "probe", "zip": [{"value": [1, 1, 2], "epochs": [5, 5, 5]}]}"#)
        #expect(twice.jobs.count == 2 && twice.duplicates == 1)
        // A grid axis is still a set.
        #expect(problems(#"{"workload": "probe", "grid": {"value": [1, 2, 1]}}"#)
            == ["bad.json:1:48: grid.value[2]: duplicate value 1.0 (a grid axis lists each value once; a zip group may repeat)"])
    }

    @Test func nestingIsCappedInJSON() throws {
        let deep = String(repeating: "[", count: 50_000) + String(repeating: "]", count: 50_000)
        let (error, seconds) = timed { () -> JSONSyntaxError? in
            do throws(JSONSyntaxError) { _ = try JSONParser.parse(deep); return nil } catch { return error }
        }
        #expect(error?.location == SourceLocation(line: 1, column: JSONParser.maxDepth + 1))
        #expect(error?.message == "lists and objects nest more than 64 deep")
        #expect(seconds < refusalSeconds)
        let atCap = String(repeating: "[", count: JSONParser.maxDepth) + String(repeating: "]", count: JSONParser.maxDepth)
        #expect(throws: Never.self) { try JSONParser.parse(atCap) }
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse("[" + atCap + "]") }
        #expect(problems(#"{"workload": "probe", "base": {"value": "# + deep + "}}")
            == ["bad.json:1:103: base.value" + String(repeating: "[0]", count: 62) + ": lists and objects nest more than 64 deep"])
    }

    @Test func nestingIsCappedInYAML() {
        func flow(_ depth: Int) -> String {
            "workload: probe\nbase:\n  value: " + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "\n"
        }
        #expect(problems(flow(100), file: "deep.yaml")
            == ["deep.yaml:3:72: base.value" + String(repeating: "[0]", count: 62) + ": lists and objects nest more than 64 deep"])
        // A very deep flow list: refused as soon as its events pass the cap, in bounded time.
        let (found, seconds) = timed { problems(flow(50_000), file: "deep.yaml") }
        #expect(found == ["deep.yaml:3:72: base.value" + String(repeating: "[0]", count: 62) + ": lists and objects nest more than 64 deep"])
        #expect(seconds < refusalSeconds)
        // Block nesting: 70 mappings, each indented under the last.
        let block = "workload: probe\nbase:\n" + (1...70).map { String(repeating: "  ", count: $0) + "a:" }.joined(separator: "\n") + " 1\n"
        #expect(problems(block, file: "block.yaml")
            == ["block.yaml:66:129: base" + String(repeating: ".a", count: 63) + ": lists and objects nest more than 64 deep"])
    }

    @Test func aParameterGivenTwiceNamesBothPlaces() {
        #expect(problems(#"{"workload": "probe", "base": {"kan": {"width": 8}, "kan.width": 16}}"#)
            == ["bad.json:1:66: base.kan.width: given twice, first at 1:49"])
        #expect(problems(#"{"workload": "hitl-ddqn", "grid": {"kan.width": [8], "kan": {"width": [16]}}}"#)
            == ["bad.json:1:71: grid.kan.width: given twice, first at 1:49"])
        #expect(problems("{\"workload\": \"probe\",\n \"base\": {\"epochs\": 2,\n  \"epochs\": 3}}")
            == ["bad.json:3:3: base.epochs: given twice, first at 2:21"])
        #expect(problems("workload: probe\nbase:\n  kan:\n    width: 8\n  kan.width: 16\n", file: "twice.yaml")
            == ["twice.yaml:5:14: base.kan.width: given twice, first at 4:12"])
        #expect(problems("workload: probe\nbase:\n  epochs: 2\n  epochs: 3\n", file: "twice.yaml")
            == ["twice.yaml:4:11: base.epochs: given twice, first at 3:11"])
        // Without locations (the wire protocol), a duplicate member is still an error.
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(#"{"a": 1, "a": 2}"#) }
    }

    @Test func yamlAnchorsAliasesAndUnknownTagsAreRefusedWithTheirPosition() {
        var laughs = "workload: probe\nbase:\n  a: &a [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]\n"
        for (i, name) in ["b", "c", "d", "e", "f", "g", "h", "i"].enumerated() {
            let previous = i == 0 ? "a" : ["b", "c", "d", "e", "f", "g", "h"][i - 1]
            laughs += "  \(name): &\(name) [" + Array(repeating: "*\(previous)", count: 9).joined(separator: ", ") + "]\n"
        }
        let (found, seconds) = timed { problems(laughs, file: "laughs.yaml") }
        #expect(found == ["laughs.yaml:3:6: base.a: YAML anchors (&a) are not supported: repeat the value"])
        #expect(seconds < refusalSeconds)
        #expect(problems("workload: probe\nbase:\n  value: *x\n", file: "a.yaml")
            == ["a.yaml:3:10: base.value: YAML aliases (*x) are not supported: repeat the value"])
        #expect(problems("workload: probe\nbase:\n  value: !!binary aGk=\n", file: "t.yaml")
            == ["t.yaml:3:10: base.value: unknown YAML tag !!binary: a spec holds plain values (allowed: !!str, !!int, !!float, !!bool, !!null, !!seq, !!map)"])
        #expect(problems("workload: probe\nbase: !custom\n  value: 1\n", file: "t.yaml").first?.hasPrefix("t.yaml:2:7: base: unknown YAML tag !custom") == true)
        #expect(problems("workload: probe\nbase:\n  epochs: !!int x\n", file: "t.yaml")
            == [#"t.yaml:3:11: base.epochs: tagged an integer but "x" is not one"#])
        #expect(problems("workload: probe\nbase:\n  ? [a]\n  : 1\n", file: "t.yaml") == ["t.yaml:3:5: base: keys must be strings"])
        #expect(problems("workload: probe\n---\nworkload: probe\n", file: "t.yaml")
            == ["t.yaml:2:1: a spec is one YAML document; remove the second one (after ---)"])
        #expect(problems("workload: probe\nbase: {epochs: [1\n", file: "t.yaml").first?.hasPrefix("t.yaml:3:1: invalid YAML: ") == true)
        #expect(problems("workload: probe\nname: \"é\u{1}\"\n", file: "t.yaml")
            == ["t.yaml:2:9: invalid YAML: control characters are not allowed"])
    }

    @Test func yamlCoreTagsAreHonoured() throws {
        let yaml = "workload: probe\nbase:\n  epochs: !!int \"4\"\n  value: !!float 2\n  data_file: !!str 12\n"
        let p = try SweepSpec(document: SpecDocument(file: "t.yaml", text: yaml), workloads: WorkloadRegistry.all).plan()
        #expect(p.jobs[0].config["epochs"] == .int(4))
        #expect(p.jobs[0].config["value"] == .double(2))
        #expect(p.jobs[0].config["data_file"] == .string("12"))
    }

    @Test func aSpecLargerThanTheCapIsRefusedWithoutReadingItAll() throws {
        let big = #"{"workload": "probe", "//": ""# + String(repeating: "x", count: SpecDocument.maxBytes) + #""}"#
        #expect(problems(big) == ["bad.json:1:1: the spec is larger than 4 MiB; a spec lists axes, not data"])
        // A sparse 1 GiB file is refused after reading 4 MiB; a device is not read at all.
        let huge = FileManager.default.temporaryDirectory.appendingPathComponent("sweep-huge-\(UUID().uuidString).json").path
        #expect(FileManager.default.createFile(atPath: huge, contents: nil) && truncate(huge, 1 << 30) == 0)
        defer { try? FileManager.default.removeItem(atPath: huge) }
        for (path, message) in [(huge, ":1:1: the spec is larger than 4 MiB; a spec lists axes, not data"),
                                ("/dev/zero", ": is not a regular file (a FIFO, socket or device), expected a spec file (.json/.yaml)")] {
            let (found, seconds) = timed { () -> [String] in
                do throws(SpecError) { _ = try SpecDocument(contentsOf: path); return [] } catch { return error.diagnostics.map(\.description) }
            }
            #expect(found == [path + message])
            #expect(seconds < refusalSeconds)
        }
    }

    @Test func aProblemPerValueIsCountedNotDescribedPastAHundred() throws {
        let params = (0..<50_000).map { #""p\#($0)": 1"# }.joined(separator: ", ")
        let text = #"{"workload": "hitl-ddqn", "base": {\#(params)}}"#
        let (error, seconds) = timed { () -> SpecError? in
            do throws(SpecError) { _ = try SweepSpec(document: SpecDocument(file: "many.json", text: text), workloads: WorkloadRegistry.all); return nil }
            catch { return error }
        }
        let found = try #require(error)
        #expect(found.diagnostics.count == SpecError.maxDiagnostics && found.unreported == 50_000 - SpecError.maxDiagnostics)
        #expect(found.description.hasPrefix("50000 problems in the spec:\nmany.json:1:"))
        #expect(found.description.hasSuffix("\n(and 49900 more like these)"))
        #expect(seconds < refusalSeconds, "took \(seconds) s")
    }

    @Test func longKeysAboveALongListCannotMultiplyThePaths() {
        // One 1 MiB key over 2.5 million elements would be 2.5 TB of paths.
        let key = String(repeating: "k", count: 1 << 20)
        let text = #"{"\#(key)": ["# + String(repeating: "0,", count: 1_300_000) + "0]}"
        let (found, seconds) = timed { problems(text) }
        #expect(found.count == 1 && found[0].hasSuffix("the paths of all values add up to more than 64 MiB (shorten long keys)"), "\(found.map { $0.prefix(200) })")
        #expect(seconds < refusalSeconds, "took \(seconds) s")
    }
}
