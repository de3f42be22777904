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
        #expect(messages(["epochs"]) == [#"override 1 (epochs): at character 7: expected '=' after the key "epochs" (overrides are key=value, like epochs=5, model=kan,mlp or seeds=3)"#])
        #expect(messages(["epochs=5", "epochs=6"]) == [#"override 2 (epochs=6): "epochs" is already set by override 1; give it once"#])
        #expect(messages(["model=kan,kan"]) == [#"override 1 (model=kan,kan): duplicate value "kan" (a grid axis lists each value once)"#])
        #expect(messages(["seeds=0"])
            == ["override 1 (seeds=0): expected a count n in 1...10000 (seeds 0..n-1) or a list of seeds, like seeds=3 or seeds=0,4"])
        #expect(messages(["seeds=0,0"]) == ["override 1 (seeds=0,0): duplicate seed 0 (value 2 of the list): give each seed once"])
        #expect(messages(["seeds=3,1,4,1"]) == ["override 1 (seeds=3,1,4,1): duplicate seed 1 (value 4 of the list): give each seed once"])
        #expect(messages(["kan..width=16"]).first?.hasPrefix(#"override 1 (kan..width=16): at character 5: empty part in the key "kan..width""#) == true)
        #expect(messages([".epochs=5", "epochs.=5"]).count == 2)
        #expect(messages(["workload=probe"]) == [#"override 1 (workload=probe): "workload" cannot be overridden: edit the spec"#])
        #expect(messages(["sample.n=5"]) == [#"override 1 (sample.n=5): the spec has no "sample" section to change"#])
        // Every bad override is reported in one pass.
        #expect(messages(["epochs=0", "batch=1"]) == [
            "override 1 (epochs=0): expected an integer in 1...100000, got 0",
            #"override 2 (batch=1): "batch" is a list of zip[0], whose lists advance together: edit the spec"#,
        ])
    }

    /// A `command` spec: its parameters are the ones it names.
    static let command = """
        {"name": "c", "workload": "command", "base": {"command": "prog {alpha} {x}", "alpha": 0.1, "x": 1, "note": "n"},
         "grid": {"lr": [0.1, 0.01]}}
        """

    func commandPlan(_ arguments: [String]) throws(SpecError) -> SweepPlan {
        let document = try SpecDocument(file: "Sweeps/c.json", text: Self.command)
        let changed = try SpecOverrides(arguments).apply(to: document, name: "c2", workloads: WorkloadRegistry.all)
        return try SweepSpec(document: changed, workloads: WorkloadRegistry.all).plan()
    }

    func commandMessages(_ arguments: [String]) -> [String] {
        do {
            _ = try commandPlan(arguments)
            return []
        } catch {
            return error.diagnostics.map(\.description)
        }
    }

    /// The cases that meant something else before the grammar was Hydra's.
    @Test func valuesMeanWhatHydraSays() throws {
        #expect(try commandPlan(["x=[1,2,3]"]).jobs.map { $0.config["x"] } == [.array([1, 2, 3]), .array([1, 2, 3])])
        #expect(try commandPlan(["x=range(1,5)"]).jobs.count == 2 * 4)
        #expect(try commandPlan(["x=range(1,5)"]).spec.grid.first { $0.param == "x" }?.values == [1, 2, 3, 4])
        #expect(try commandPlan(["x=choice(1,2,3)"]).jobs.count == 2 * 3)
        #expect(try commandPlan([#"x="a,b","c,d""#]).spec.grid.first { $0.param == "x" }?.values == ["a,b", "c,d"])
        #expect(try commandPlan([#"x=a\,b"#]).spec.base["x"] == "a,b")
        #expect(try commandPlan(["x='quoted'"]).spec.base["x"] == "quoted")
        #expect(try commandPlan(["x=True"]).spec.base["x"] == true)
        #expect(try commandPlan(["x=NULL"]).spec.base["x"] == .null)
        #expect(try commandPlan(["x=1_000"]).spec.base["x"] == 1000)
        #expect(try commandPlan(["x=int(2.7)"]).spec.base["x"] == 2)
        #expect(try commandPlan(["x=sort(3,1,2)"]).spec.grid.first { $0.param == "x" }?.values == [1, 2, 3])
        #expect(try commandPlan(["+y=1"]).spec.base["y"] == 1)
        #expect(try commandPlan(["++lr=0.5", "++z=2"]).spec.base["lr"] == 0.5)
        #expect(try commandPlan(["~lr"]).spec.grid.isEmpty)
        #expect(try commandPlan(["~note=n"]).spec.base["note"] == nil)
        #expect(try commandPlan(["~lr=[0.1,0.01]"]).spec.grid.isEmpty)
    }

    @Test func overridesHydraRefusesOrThatNameNothingAreErrors() {
        #expect(commandMessages(["alhpa=0.2"])
            == [#"override 1 (alhpa=0.2): the spec has no parameter "alhpa"; did you mean "alpha"?; to add one, write +alhpa=0.2"#])
        #expect(commandMessages(["+alpha=0.2"])
            == [#"override 1 (+alpha=0.2): the spec already has "alpha": change it with alpha=0.2 (or ++ to set or add)"#])
        #expect(commandMessages(["~nope"]) == [#"override 1 (~nope): the spec has no "nope" to remove; did you mean "note"?"#])
        #expect(commandMessages(["~x=2"]) == [#"override 1 (~x=2): "x" is 1, not 2: nothing removed"#])
        #expect(commandMessages(["x=range(0,1e308,1e-300)"]).first?.contains("range gives more than 10000 values") == true,
                "counted before it is listed, not overflowing")
        #expect(commandMessages(["x=range(9223372036854775805,9223372036854775807)"]).first == nil, "integers near Int.max list exactly")
        #expect(commandMessages(["x=inf"]) == ["override 1 (x=inf): inf cannot be stored: specs are JSON, which has no inf or nan"])
        #expect(commandMessages(["x =1"]).first?.contains("a blank in the key") == true)
        #expect(commandMessages(["x=1,"]).first?.contains("expected a value, found the end") == true)
        #expect(commandMessages(["x=interval(0,1)"]).first?.contains("needs a \"sample\" section") == true)
        #expect(messages(["+fsnet.dropout=0.1"]).isEmpty, "a workload parameter the spec leaves at its default can be added")
        #expect(messages(["+nope=5"]).first?.contains("unknown parameter \"nope\"") == true)
    }

    @Test func theStopRuleAndObjectiveAreOverriddenFieldByField() throws {
        let document = try SpecDocument(file: "s.json", text: """
            {"workload": "probe", "grid": {"value": [1, 2]}, "objective": {"metric": "acc", "mode": "max"},
             "stop": {"rule": "asha", "grace": 2}}
            """)
        func spec(_ overrides: [String]) throws -> SweepSpec {
            try SweepSpec(document: try SpecOverrides(overrides).apply(to: document, name: "s2", workloads: WorkloadRegistry.all),
                          workloads: WorkloadRegistry.all)
        }
        #expect(try spec(["stop.rule=median"]).stop?.rule == .median)
        #expect(try spec(["objective.mode=min"]).objective?.mode == .min)
        #expect(try spec(["~stop"]).stop == nil)
        #expect(try spec(["stop.pause=true"]).stop?.pause == true)
        #expect(try spec([]).stop?.pause == false)
        // The reader checks the result: the median rule has no reduction.
        #expect(throws: SpecError.self) { try spec(["stop.rule=median", "stop.reduction=3"]) }
    }

    @Test func derivedNamesNeverCollide() throws {
        let names = try [["x=1,2"], ["x=1_2"], ["tag=a/b"], ["tag=a_b"], ["tag=a b"], ["tag=é"], ["tag=ü"], ["x_1=2"], ["x=1_2"]]
            .map { try SpecOverrides($0).derivedName(from: "c") }
        #expect(Set(names).count == names.count - 1, "\(names)")  // x=1_2 twice
        #expect(names.allSatisfy(PlainName.isValid))
        #expect(names[0] == "c-x_1_2", "a lossless form stays readable")
    }

    @Test func derivedNamesArePlainAndReadable() throws {
        #expect(try SpecOverrides(["epochs=5", "model=kan,mlp"]).derivedName(from: "dist") == "dist-epochs_5-model_kan_mlp")
        #expect(try SpecOverrides([#"dataset="fashion mnist""#]).derivedName(from: "d").hasPrefix("d-dataset__fashion_mnist_-"))
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
