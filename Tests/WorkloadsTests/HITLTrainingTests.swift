import SweepCore
import Testing
import Workloads

@Suite(.serialized) struct HITLTrainingTests {
    static let metricNames: Set<String> = ["train_acc", "test_acc", "loss", "feedback_cost", "epsilon", "lr", "precision", "recall", "f1", "epoch_s"]

    @Test(arguments: MaskDistribution.allCases)
    func everyDistributionTrainsAnEpoch(distribution: MaskDistribution) throws {
        let context = RecordingContext()
        let summary = try HITLDDQN.run(hitlConfig([
            "distribution": .string(distribution.rawValue), "train_limit": 400, "test_limit": 100, "epochs": 2, "model": "mlp",
        ]), context: context)
        #expect(context.reports.map(\.epoch) == [1, 2])
        for (_, metrics) in context.reports {
            #expect(Set(metrics.keys) == Self.metricNames)
            #expect(metrics.values.allSatisfy { $0.isFinite })
        }
        #expect(summary["feature_frequency"]?.arrayValue?.count == 64)
        let matrix = summary["confusion_matrix"]?.arrayValue ?? []
        #expect(matrix.count == 10)
        #expect(matrix.flatMap { $0.arrayValue ?? [] }.compactMap(\.intValue).reduce(0, +) == 100)
    }

    @Test func sameSeedSameMetricsOtherSeedOtherMetrics() throws {
        func run(seed: Int) throws -> [[String: Double]] {
            let context = RecordingContext()
            var config = hitlConfig(["train_limit": 500, "test_limit": 200, "epochs": 3, "warmup": 1, "kan.grid_update_every": 2, "target_update": 1])
            config["seed"] = .int(seed)
            _ = try HITLDDQN.run(config, context: context)
            return context.reports.map { $0.metrics.filter { $0.key != "epoch_s" } }
        }
        let first = try run(seed: 7), second = try run(seed: 7), other = try run(seed: 8)
        #expect(first == second)
        #expect(first != other)
        #expect(first.count == 3)
    }

    @Test func withoutFeatureSelectionTheFeedbackCostIsZero() throws {
        let context = RecordingContext()
        let summary = try HITLDDQN.run(hitlConfig(["feature_selection": false, "train_limit": 300, "test_limit": 100, "epochs": 1]), context: context)
        #expect(context.reports.first?.metrics["feedback_cost"] == 0)
        #expect(summary["feature_frequency"] == nil)
    }

    @Test func kanLearnsFashionMNISTWellAboveChance() throws {
        let context = RecordingContext()
        // Grid updates every epoch (in the first half) keep the KAN's splines on its inputs early.
        _ = try HITLDDQN.run(hitlConfig(["train_limit": 4000, "test_limit": 1000, "epochs": 6, "warmup": 1, "kan.grid_update_every": 1]), context: context)
        let last = context.reports.last!.metrics
        // Chance is 0.10; a working learner is far above it after a few epochs.
        #expect(last["test_acc"]! > 0.25, "test accuracy \(last["test_acc"]!)")
        #expect(context.reports.first!.metrics["feedback_cost"]! > last["feedback_cost"]!)
    }
}
