import Foundation
import SweepCore
import Testing
import Workloads

@testable import SweepSpec

/// Job keys pinned: a finished job is found again by its key, so a change in how configs
/// are canonicalised (key order, number form, nesting, defaults) must show up here.
@Suite struct JobKeyGoldenTests {
    /// The repository's `Sweeps/` folder, found from this file.
    static let sweeps = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Sweeps")

    static func keys(file: String, text: String) throws -> [String] {
        try SweepSpec(document: SpecDocument(file: file, text: text), workloads: WorkloadRegistry.all).plan().jobs.map(\.key)
    }

    @Test func quickstart() throws {
        let path = Self.sweeps.appendingPathComponent("quickstart.json").path
        let keys = try SweepSpec(contentsOf: path, workloads: WorkloadRegistry.all).plan().jobs.map(\.key)
        #expect(keys == [
            "24ba8f786d7b0a00a6c6ecbdd9d21b495deb4b80029722474b2d3802b1aab52c",
            "890220d0f3c52b88ad26d2da57e1a5674eadfe5719bb91e092fdecedbc28561f",
            "2cbba0a9b7bd74ee09d79b310ed67fdcc78c5b780a3fc7954be5c42900eaa1ca",
            "0cd65a7ec145d5c1b0e41faea8656011752a4bf36f6a39c8d4e72e9a2ca5541d",
        ])
    }

    @Test func nestedAndDottedParameters() throws {
        let text = """
            {"workload": "hitl-ddqn", "base": {"kan": {"width": 8}, "kan.grid": 4, "epochs": 2.0},
             "grid": {"model": ["kan", "mlp"]}, "seeds": [3]}
            """
        let keys = try Self.keys(file: "nested.json", text: text)
        #expect(keys == [
            "65d060333cdd7fefb04563e27b07b4525357896a800b969a3103df88283f389f",
            "e5aa95d8de53fb697b3e2f8e4fe8855827d0f8f5885051397306efd544ecf38f",
        ])
        // The same configs spelled the other way round have the same keys.
        let swapped = """
            {"workload": "hitl-ddqn", "base": {"kan.width": 8, "kan": {"grid": 4}, "epochs": 2},
             "grid": {"model": ["kan", "mlp"]}, "seeds": [3]}
            """
        #expect(try Self.keys(file: "swapped.json", text: swapped) == keys)
    }

    /// Parameters a workload added later (hitl-ddqn's `fsnet.q_gradient`, ...) do not change
    /// the key of a job that leaves them at their default, spelled out or not.
    @Test func laterParametersAtTheirDefaultKeepTheKeys() throws {
        let before = """
            {"workload": "hitl-ddqn", "base": {"kan": {"width": 8}, "kan.grid": 4, "epochs": 2.0},
             "grid": {"model": ["kan", "mlp"]}, "seeds": [3]}
            """
        let spelled = """
            {"workload": "hitl-ddqn", "base": {"kan": {"width": 8}, "kan.grid": 4, "epochs": 2.0,
             "fsnet.q_gradient": false, "fsnet.head": "sigmoid", "fsnet.mask_from": "probabilities",
             "kan.init": "pykan", "kan.grid_eps": 0.02},
             "grid": {"model": ["kan", "mlp"]}, "seeds": [3]}
            """
        let keys = try Self.keys(file: "before.json", text: before)
        #expect(try Self.keys(file: "spelled.json", text: spelled) == keys)
        let on = try Self.keys(file: "on.json", text: before.replacingOccurrences(of: #""epochs": 2.0"#, with: #""epochs": 2.0, "fsnet.q_gradient": true"#))
        #expect(on.count == 2 && Set(on).isDisjoint(with: keys))
    }

    /// These keys were also computed outside Swift, as the SHA-256 of
    /// `{"config":{...every parameter and seed...},"version":1,"workload":"probe"}`.
    @Test func yamlProbe() throws {
        let text = "workload: probe\nbase:\n  epochs: 4\ngrid:\n  value: [0.5, 2]\nzip:\n  - sleep_ms: [0, 0]\n    fail_at_epoch: [-1, 2]\nseeds: 2\n"
        #expect(try Self.keys(file: "probe.yaml", text: text) == [
            "de586533113bc2f44e1126946e1b8c78c58dd0bfda109cd240ada2d11ee9155b",
            "8b8a38a9a596d7f6b7a328c284522a5572c8be74b923ac8deb83b8229db6d147",
            "7752fcbdf6786687ac2ca810944c210c3aad30ea3156829ca06a61e5e22e4236",
            "cd95c7628068a64d2836330129e808bd6e70d5b6418a1c963aed09fe0e6e8a29",
            "9043914f8dfa246b7ffb83b272f4cbe492f46b967727c6ecd623a039800e67ab",
            "066c9400688c65118f03cd1ecf9b5816eba36bbbd8c73df57e362ef5c21e81e7",
            "93e0eff6481cea30ea997ee8ece299e1d2387c1d080266cb333c2ce6fb291c58",
            "9c41a1c351a727d18d3d5d46c681dfc313bc05ce2996cac97ada45b174a6008d",
        ])
    }
}
