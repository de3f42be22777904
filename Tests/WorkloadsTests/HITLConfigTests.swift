import SweepCore
import Testing
import Workloads

@Suite struct HITLConfigTests {
    @Test func defaultsAreTheDocumentedOnes() {
        let defaults = Dictionary(uniqueKeysWithValues: HITLDDQN.parameters.map { ($0.name, $0.defaultValue) })
        let documented: [String: JSONValue] = [
            "feedback.eta": 5.0, "conv_layers": 1, "filters": 2, "fsnet.hidden": 128, "fsnet.dropout": 0.25,
            "tau": 1.0, "model": "kan", "kan.width": 8, "kan.grid": 3, "kan.order": 3, "kan.lambda": 1e-4,
            "kan.lamb_l1": 1.0, "kan.lamb_entropy": 2.0, "kan.lamb_coef": 0.0, "kan.lamb_coefdiff": 0.0,
            "kan.grid_update_every": 25, "mlp.width": 32, "batch": 128, "warmup": 2, "eps_start": 1.0,
            "eps_end": 0.05, "eps_decay": 0.9, "reward": "signed", "buffer": 100_000, "gamma": 0.99,
            "alpha": 0.5, "lr": 1e-3, "weight_decay": 1e-4, "lr_decay": 0.99, "target_update": 10,
            "epochs": 100, "train_limit": 0, "test_limit": 0, "feature_selection": true, "data_dir": "",
        ]
        for (name, value) in documented { #expect(defaults[name] == value, "\(name)") }
        // Every default fits its own parameter.
        for spec in HITLDDQN.parameters { #expect(spec.coerce(spec.defaultValue) == spec.defaultValue, "\(spec.name)") }
    }

    @Test(arguments: [(1, 2), (2, 4), (3, 8)])
    func acceptsConvDepthsThatGiveSixtyFourFeatures(layers: Int, filters: Int) {
        #expect(HITLDDQN.problems(in: hitlConfig(["conv_layers": .int(layers), "filters": .int(filters)])).isEmpty)
    }

    @Test(arguments: [1, 2, 3])
    func filtersZeroMeansTheWidthThatFits(layers: Int) {
        #expect(HITLDDQN.problems(in: hitlConfig(["conv_layers": .int(layers), "filters": 0])).isEmpty)
    }

    @Test(arguments: [(1, 4), (2, 2), (3, 4), (2, 8)])
    func rejectsOtherConvDepthsNamingWhatFits(layers: Int, filters: Int) {
        let problems = HITLDDQN.problems(in: hitlConfig(["conv_layers": .int(layers), "filters": .int(filters)]))
        #expect(problems.count == 1)
        #expect(problems.first?.param == "filters")
        #expect(problems.first?.message.contains("conv_layers 2 with filters 4") == true)
        #expect(problems.first?.message.contains("gives \(filters * 64 >> layers) features") == true)
    }

    @Test func rejectsAnEmptyGridRangeAndARelativeDataDirectory() {
        let problems = HITLDDQN.problems(in: hitlConfig(["kan.grid_min": 1.0, "kan.grid_max": -1.0, "data_dir": "data/x"]))
        #expect(Set(problems.map(\.param)) == ["kan.grid_max", "data_dir"])
    }

    @Test func rejectsMissingDataWithTheRemedy() {
        let error = #expect(throws: JobFailure.self) {
            try HITLDDQN.run(hitlConfig(["data_dir": "/nonexistent/idx", "epochs": 1]), context: RecordingContext())
        }
        #expect(error?.message.contains("/nonexistent/idx") == true)
    }
}
