import SweepCore
import Testing
import Workloads

@testable import SweepSpec

@Suite struct SpecOverridesTests {
    static let spec = """
        {"name": "d", "workload": "hitl-ddqn", "base": {"epochs": 100, "kan": {"width": 8}},
         "grid": {"model": ["kan"], "distribution": ["beta", "uniform"]},
         "zip": [{"lr": [0.1, 0.01], "batch": [32, 64]}], "seeds": 3}
        """

    func overridden(_ arguments: [String], name: String = "n") throws(SpecError) -> SweepSpec {
        let document = try SpecDocument(file: "Sweeps/d.json", text: Self.spec)
        let changed = try SpecOverrides(arguments).apply(to: document, name: name, workloads: WorkloadRegistry.all)
        return try SweepSpec(document: changed, workloads: WorkloadRegistry.all)
    }

    func messages(_ arguments: [String]) -> [String] {
        do {
            _ = try overridden(arguments).plan()
            return []
        } catch {
            return error.diagnostics.map(\.description)
        }
    }

    @Test func aValueFixesAParameterAListMakesAnAxisAndSeedsSetTheSeeds() throws {
        let spec = try overridden(["epochs=5", "model=kan,mlp", "seeds=2", "kan.width=16", "distribution=beta"], name: "d-small")
        #expect(spec.name == "d-small")
        #expect(spec.base["epochs"] == 5 && spec.base["kan.width"] == 16 && spec.base["distribution"] == "beta")
        #expect(spec.grid.map(\.param) == ["model"], "distribution left the grid for base")
        #expect(spec.grid[0].values == ["kan", "mlp"])
        #expect(spec.seeds == [0, 1])
        #expect(spec.zip.count == 1, "the zip group is untouched")
        let plan = try spec.plan()
        #expect(plan.jobs.count == 2 * 2 * 2)
        #expect(plan.jobs.allSatisfy { $0.config.int("epochs") == 5 && $0.config.int("kan.width") == 16 })
        // The overridden document is the spec stored with the sweep: read back, it plans the same jobs.
        let reread = try SweepSpec(document: SpecDocument(file: spec.document.file, text: spec.document.text),
                                   workloads: WorkloadRegistry.all)
        #expect(try reread.plan().jobs.map(\.key) == plan.jobs.map(\.key))
        #expect(spec.document.file == "Sweeps/d.json (+ epochs=5 model=kan,mlp seeds=2 kan.width=16 distribution=beta)")
        #expect(try overridden(["seeds=4,9"]).seeds == [4, 9])
    }

    @Test func aListReplacesABaseValueAndValuesAreCoercedLikeTheSpecs() throws {
        let spec = try overridden(["epochs=1,2", "fsnet.dropout=0,0.5"])
        #expect(spec.base["epochs"] == nil)
        #expect(spec.grid.first { $0.param == "epochs" }?.values == [1, 2])
        #expect(spec.grid.first { $0.param == "fsnet.dropout" }?.values == [.double(0), .double(0.5)])
    }

    @Test func badOverridesAreNamedByPositionWithTheSpecsMessages() {
        #expect(messages(["epochs=5", "model=cnn"])
            == [#"override 2 (model=cnn): expected one of "kan", "mlp", got "cnn""#])
        #expect(messages(["epoch=5"])
            == [#"override 1 (epoch=5): unknown parameter "epoch" of workload "hitl-ddqn"; did you mean "epochs"?"#])
        #expect(messages(["lr=0.5"])
            == [#"override 1 (lr=0.5): "lr" is a list of zip[0], whose lists advance together: edit the spec"#])
        #expect(messages(["epochs"]) == ["override 1 (epochs): expected key=value, like epochs=5, model=kan,mlp or seeds=3"])
        #expect(messages(["epochs=5", "epochs=6"]) == [#"override 2 (epochs=6): "epochs" is already set by override 1; give it once"#])
        #expect(messages(["model=kan,kan"]) == [#"override 1 (model=kan,kan): duplicate value "kan" (a grid axis lists each value once)"#])
        #expect(messages(["seeds=0"])
            == ["override 1 (seeds=0): expected a count n in 1...10000 (seeds 0..n-1) or a list of seeds, like seeds=3 or seeds=0,4"])
        #expect(messages(["seeds=0,0"]) == ["override 1 (seeds=0,0): duplicate seed 0 (value 2 of the list): give each seed once"])
        #expect(messages(["seeds=3,1,4,1"]) == ["override 1 (seeds=3,1,4,1): duplicate seed 1 (value 4 of the list): give each seed once"])
        #expect(messages(["kan..width=16"]) == [#"override 1 (kan..width=16): "kan..width" is not a parameter name: expected non-empty parts joined by dots, like "kan.width" (no empty part, as in "a.", ".a" or "a..b")"#])
        #expect(messages([".epochs=5", "epochs.=5"]).count == 2)
        #expect(messages(["workload=probe"]) == [#"override 1 (workload=probe): "workload" cannot be overridden: edit the spec"#])
        #expect(messages(["sample.n=5"]) == [#"override 1 (sample.n=5): the spec has no "sample" section to change"#])
        // Every bad override is reported in one pass.
        #expect(messages(["epochs=0", "batch=1"]) == [
            "override 1 (epochs=0): expected an integer in 1...100000, got 0",
            #"override 2 (batch=1): "batch" is a list of zip[0], whose lists advance together: edit the spec"#,
        ])
    }

    @Test func derivedNamesArePlainAndReadable() throws {
        #expect(try SpecOverrides(["epochs=5", "model=kan,mlp"]).derivedName(from: "dist") == "dist-epochs_5-model_kan_mlp")
        #expect(try SpecOverrides([#"dataset="fashion mnist""#]).derivedName(from: "d") == "d-dataset__fashion_mnist_")
        let long = try SpecOverrides((0..<20).map { "param\($0)=\($0)" }).derivedName(from: "dist")
        #expect(long.count == 64 && PlainName.isValid(long))
        #expect(long != (try SpecOverrides((0..<20).map { "param\($0)=\($0 + 1)" }).derivedName(from: "dist")))
    }

    @Test func sampleCountAndSeedCanBeOverridden() throws {
        let document = try SpecDocument(file: "s.json", text: #"{"workload": "probe", "sample": {"n": 3, "params": {"value": {"uniform": [0, 1]}}}}"#)
        let changed = try SpecOverrides(["sample.n=7", "sample.seed=2"]).apply(to: document, name: "s2", workloads: WorkloadRegistry.all)
        let plan = try SweepSpec(document: changed, workloads: WorkloadRegistry.all).plan()
        #expect(plan.jobs.count == 7)
        #expect(plan.spec.sample?.seed == 2)
        // A fixed value takes a parameter out of the sample.
        let fixed = try SpecOverrides(["value=4"]).apply(to: document, name: "s3", workloads: WorkloadRegistry.all)
        let fixedPlan = try SweepSpec(document: fixed, workloads: WorkloadRegistry.all).plan()
        #expect(fixedPlan.spec.sample == nil && fixedPlan.jobs.count == 1 && fixedPlan.jobs[0].config.double("value") == 4)
    }
}
