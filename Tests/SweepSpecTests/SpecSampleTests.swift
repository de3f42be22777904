import Foundation
import SweepCore
import Testing
import Workloads

@testable import SweepSpec

@Suite struct SpecSampleTests {
    static let spec = """
        {"name": "s", "workload": "hitl-ddqn", "base": {"epochs": 2},
         "grid": {"dataset": ["mnist", "fashion-mnist"]},
         "sample": {"n": 20, "seed": 0, "params": {
            "lr": {"log_uniform": [1e-4, 1e-1]}, "kan.width": {"choice": [8, 16, 32]},
            "fsnet.dropout": {"uniform": [0, 0.5]}, "kan.order": {"int_uniform": [1, 3]}}},
         "seeds": 2}
        """

    @Test func splitMix64MatchesItsPublishedSequence() {
        // The reference implementation's first outputs for seed 0 (Vigna's splitmix64.c).
        var generator = SplitMix64(seed: 0)
        #expect(generator.next() == 0xE220_A839_7B1D_CDAF)
        #expect(generator.next() == 0x6E78_9E6A_A1B9_65F4)
        #expect(generator.next() == 0x06C4_5D18_8009_454F)
    }

    @Test func drawsAreCrossedWithTheGridAndSeedsAndStayInBounds() throws {
        let p = try plan(Self.spec)
        #expect(p.jobs.count == 2 * 20 * 2)
        #expect(p.spec.jobCount == 80)
        for job in p.jobs {
            let lr = job.config.double("lr")
            #expect(lr >= 1e-4 && lr <= 1e-1)
            #expect([8, 16, 32].contains(job.config.int("kan.width")))
            let dropout = job.config.double("fsnet.dropout")
            #expect(dropout >= 0 && dropout <= 0.5)
            #expect((1...3).contains(job.config.int("kan.order")))
        }
        // Each grid point gets the same 20 draws.
        func draws(_ dataset: String) -> [String] {
            p.jobs.filter { $0.config.string("dataset") == dataset && $0.config.seed == 0 }
                .map { "\($0.config.double("lr")) \($0.config.int("kan.width")) \($0.config.int("kan.order"))" }
        }
        #expect(draws("mnist") == draws("fashion-mnist"))
        #expect(Set(draws("mnist")).count == 20)
        // Every choice and every integer comes up in 20 draws; log-uniform spans decades.
        let lrs = p.jobs.map { $0.config.double("lr") }
        #expect(Set(p.jobs.map { $0.config.int("kan.width") }) == [8, 16, 32])
        #expect(Set(p.jobs.map { $0.config.int("kan.order") }) == [1, 2, 3])
        #expect(lrs.contains { $0 < 1e-3 } && lrs.contains { $0 > 1e-2 })
    }

    @Test func theSameSpecGivesTheSameJobsAndAnotherSeedOthers() throws {
        let first = try plan(Self.spec).jobs.map(\.key)
        #expect(try plan(Self.spec).jobs.map(\.key) == first)
        // Pinned (computed apart, from the reference SplitMix64 in Python): a change of
        // generator, draw order or rounding changes job keys, so it must show here.
        let first0 = try plan(Self.spec).jobs[0].config
        // Full precision: the draws as Python's float arithmetic (and glibc's log/exp) give them.
        #expect(first0.double("fsnet.dropout") == 0.4416554041068213)
        #expect(first0.int("kan.order") == 2)
        #expect(first0.int("kan.width") == 8)
        #expect(first0.double("lr") == 0.08177977935214842)
        let reseeded = try plan(Self.spec.replacingOccurrences(of: #""seed": 0"#, with: #""seed": 1"#)).jobs.map(\.key)
        #expect(Set(reseeded).isDisjoint(with: first))
    }

    @Test func sampleAloneRunsBaseWithEachDraw() throws {
        let p = try plan(#"{"workload": "probe", "sample": {"n": 5, "params": {"value": {"uniform": [-1, 1]}}}}"#)
        #expect(p.jobs.count == 5)
        #expect(p.varying == ["value"])
    }

    @Test func theDrawsCountAgainstTheJobCap() throws {
        let huge = try SweepSpec(document: SpecDocument(file: "big.json", text: """
            {"workload": "probe", "grid": {"epochs": [1, 2, 3]}, "sample": {"n": 50000, "params": {"value": {"uniform": [0, 1]}}}}
            """), workloads: WorkloadRegistry.all)
        #expect(huge.jobCount == 150_000)
        #expect { try huge.plan() } throws: { error in
            "\(error)".contains("150000 jobs (grid 3, sample 50000, 1 seed), more than the cap of 100000")
        }
        let spec = try SweepSpec(document: SpecDocument(file: "small.json", text: """
            {"workload": "probe", "grid": {"epochs": [1, 2, 3]}, "sample": {"n": 2000, "params": {"value": {"uniform": [0, 1]}}}}
            """), workloads: WorkloadRegistry.all)
        #expect(throws: SpecError.self) { try spec.plan(maxJobs: 5_999) }
        let raised = try spec.plan(maxJobs: 6_000)
        #expect(raised.jobs.count == 6_000 && raised.duplicates == 0)
    }

    /// Draws keep full precision: rounded to 6 significant digits, 10,000 draws of one
    /// uniform collided 0.5 % of the time (two configs, one job).
    @Test func tenThousandUniformDrawsAreTenThousandValues() throws {
        let p = try plan(#"{"workload": "probe", "sample": {"n": 10000, "params": {"value": {"uniform": [0, 1]}}}}"#)
        #expect(p.jobs.count == 10_000 && p.duplicates == 0)
        #expect(Set(p.jobs.map { $0.config.double("value") }).count == 10_000)
        let log = try plan(#"{"workload": "probe", "sample": {"n": 10000, "seed": 3, "params": {"value": {"log_uniform": [1e-6, 1]}}}}"#)
        #expect(Set(log.jobs.map { $0.config.double("value") }).count == 10_000)
    }

    /// Infinite bounds are refused, in JSON (out of range) as in YAML (`.inf`), for a
    /// workload's parameter as for a program's.
    @Test func infiniteBoundsAreRefused() {
        #expect(problems(#"{"workload": "probe", "sample": {"n": 3, "params": {"value": {"uniform": [0, 1e999]}}}}"#)
            == ["bad.json:1:83: invalid JSON: number out of range: 1e999"])
        for workload in ["workload: probe\n", "workload: command\nbase: {command: \"true\"}\n"] {
            let found = problems(workload + "sample:\n  n: 3\n  params:\n    value: {uniform: [-.inf, 1]}\n", file: "bad.yaml")
            #expect(found.count == 1 && found.first?.contains("sample.params.value.uniform") == true, "\(found)")
        }
        // A program's parameter drawn between words was dropped silently (one job, no sample).
        let words = problems(#"{"workload": "command", "base": {"command": "true"}, "sample": {"n": 3, "params": {"x": {"uniform": ["a", 1]}, "k": {"int_uniform": [0, "z"]}}}}"#)
        #expect(words == [
            #"bad.json:1:133: sample.params.k.int_uniform: expected two integer bounds [low, high], got [0, "z"]"#,
            #"bad.json:1:101: sample.params.x.uniform: expected two finite numbers [low, high], got ["a", 1]"#,
        ])
    }

    /// The widest bounds: high - low overflows to infinity, which made every draw the high bound.
    @Test func uniformOverTheWholeRangeOfDoublesDoesNotOverflow() throws {
        let p = try plan(#"{"workload": "command", "base": {"command": "true"}, "sample": {"n": 200, "params": {"x": {"uniform": [-1e308, 1e308]}}}}"#)
        let values = p.jobs.map { $0.config.double("x") }
        #expect(values.count == 200 && values.allSatisfy { $0.isFinite && $0 >= -1e308 && $0 <= 1e308 })
        #expect(Set(values).count == 200 && values.contains { $0 < -1e306 } && values.contains { $0 > 1e306 })
        let max = Double.greatestFiniteMagnitude
        let widest = try plan(#"{"workload": "command", "base": {"command": "true"}, "sample": {"n": 50, "params": {"x": {"uniform": [\#(-max), \#(max)]}}}}"#)
        #expect(Set(widest.jobs.map { $0.config.double("x") }).count == 50)
    }

    @Test(arguments: [
        (#""sample": {"n": 3, "params": {"epochs": {"uniform": [1, 5]}}}"#,
         #"bad.json:1:75: sample.params.epochs.uniform: uniform cannot draw "epochs", which takes an integer in 0...1000000: use int_uniform or choice"#),
        (#""sample": {"n": 3, "params": {"value": {"log_uniform": [0, 5]}}}"#,
         "bad.json:1:79: sample.params.value.log_uniform[0]: log_uniform needs a positive low bound, got 0.0"),
        (#""sample": {"n": 3, "params": {"epochs": {"int_uniform": [1, 2000000]}}}"#,
         "bad.json:1:83: sample.params.epochs.int_uniform[1]: expected an integer in 0...1000000, got 2000000"),
        (#""sample": {"n": 3, "params": {"epochs": {"int_uniform": [5, 1]}}}"#,
         "bad.json:1:79: sample.params.epochs.int_uniform: the low bound 5 is above the high bound 1"),
        (#""sample": {"n": 3, "params": {"valu": {"uniform": [0, 1]}}}"#,
         #"bad.json:1:61: sample.params.valu: unknown parameter "valu" of workload "probe"; did you mean "value"?"#),
        (#""sample": {"n": 3, "params": {"value": {"unifrom": [0, 1]}}}"#,
         #"bad.json:1:74: sample.params.value.unifrom: unknown distribution "unifrom": expected one of uniform, log_uniform, int_uniform, choice; did you mean "uniform"?"#),
        (#""sample": {"n": 0, "params": {"value": {"uniform": [0, 1]}}}"#,
         "bad.json:1:39: sample.n: expected the number of configs to draw, an integer in 1...100000"),
        (#""grid": {"value": [1, 2]}, "sample": {"n": 3, "params": {"value": {"uniform": [0, 1]}}}"#,
         #"bad.json:1:89: sample.params.value: "value" is already an axis in grid"#),
        (#""sample": {"n": 3, "params": {"epochs": {"choice": [1, "x"]}}}"#,
         #"bad.json:1:78: sample.params.epochs.choice[1]: expected an integer in 0...1000000, got "x""#),
    ])
    func badSamplesAreReportedWithTheirPositions(section: String, expected: String) {
        #expect(problems(#"{"workload": "probe", "# + section + "}") == [expected])
    }
}

@Suite struct DisplayColumnTests {
    @Test func sampledRealsShowTheFewestDigitsThatKeepThemApart() {
        #expect(JSONValue.displayTexts([.double(0.053224548764321006), .double(0.7123456789), nil, .int(3)]) == ["0.05322", "0.7123", "", "3"])
        // Two draws equal to 6 digits keep the digits that tell them apart.
        #expect(JSONValue.displayTexts([.double(0.12345678), .double(0.12345699)]) == ["0.1234568", "0.123457"])
        #expect(JSONValue.displayTexts([.double(2), .double(0.5)]) == ["2.0", "0.5"])
    }
}

@Suite struct ErrorSummaryTests {
    @Test func aRowShowsWhatFailedAndTheLastLineOfWhy() {
        let error = "command exited with status 3; stderr ends:\nTraceback (most recent call last):\n  File \"train.py\", line 9\nValueError: lr must be positive\n"
        #expect(ErrorSummary.line(error, limit: 100) == "command exited with status 3; stderr ends: … ValueError: lr must be positive")
        #expect(ErrorSummary.line(error, limit: 40).hasSuffix("… ValueError: lr must be po…"))
        #expect(ErrorSummary.line(error, limit: 40).count <= 40)
        #expect(ErrorSummary.line("one line only", limit: 8) == "one lin…")
        #expect(ErrorSummary.line("", limit: 8) == "")
    }
}
