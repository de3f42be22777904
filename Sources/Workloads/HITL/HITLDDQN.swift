import KANKit
import SweepCore
#if canImport(Glibc)
import Glibc
#endif

/// The `hitl-ddqn` workload: human-in-the-loop feature selection with a KAN (or MLP)
/// Double DQN classifier on 8x8 MNIST-style images (WORKLOADS.md section 1).
///
/// Per epoch it reports `train_acc`, `test_acc`, `loss`, `feedback_cost`, `epsilon`, `lr`,
/// macro `precision`/`recall`/`f1` on the test set and `epoch_s`; its summary holds the
/// final test confusion matrix, the per-feature selection frequency and mean probability,
/// and for a KAN the pruned shape and a symbolic formula per output.
public enum HITLDDQN: Workload {
    public static let name = "hitl-ddqn"
    public static let version = 1
    public static let summary = "HITL feature selection (FSNet + simulated feedback) with a KAN or MLP Double DQN classifier"

    public static func run(_ config: JobConfig, context: any JobContext) throws -> JSONValue {
        let settings = HITLSettings(config)
        let data: PreparedDataset
        do {
            data = try PreparedDataset.load(settings.dataKey)
        } catch {
            throw JobFailure("\(error)")
        }
        guard data.train.count > settings.batch else {
            throw JobFailure("the training set has \(data.train.count) examples; it needs more than one batch (\(settings.batch))")
        }
        context.log("\(data.train.count) training and \(data.test.count) test examples, model \(settings.model), distribution \(settings.distribution.rawValue)")
        let trainer = HITLTrainer(settings: settings, data: data)
        var matrix = ConfusionMatrix(classes: data.classCount)
        for epoch in 0..<settings.epochs where !context.shouldStop {
            let started = monotonicSeconds()
            if settings.gridUpdateEvery > 0, epoch > 0, epoch % settings.gridUpdateEvery == 0, epoch < settings.epochs / 2 {
                trainer.updateGrids()
            }
            let learningRate = trainer.optimizer.learningRate
            let pass = trainer.trainEpoch(epoch)
            matrix = trainer.evaluate(epoch: epoch)
            trainer.optimizer.learningRate *= settings.lrDecay
            if (epoch + 1) % settings.targetUpdate == 0 { trainer.syncTarget() }
            guard pass.loss.isFinite else {
                throw JobFailure("training diverged in epoch \(epoch + 1): the loss is \(pass.loss); try a smaller lr")
            }
            let macro = matrix.macro
            context.report(epoch: epoch + 1, metrics: [
                "train_acc": pass.trainAccuracy,
                "test_acc": matrix.accuracy,
                "loss": pass.loss,
                "feedback_cost": pass.feedbackCost,
                "epsilon": settings.epsilon(epoch: epoch),
                "lr": Double(learningRate),
                "precision": macro.precision,
                "recall": macro.recall,
                "f1": macro.f1,
                "epoch_s": monotonicSeconds() - started,
            ])
        }
        return summary(trainer: trainer, matrix: matrix)
    }

    static func summary(trainer: HITLTrainer, matrix: ConfusionMatrix) -> JSONValue {
        var result: [String: JSONValue] = ["confusion_matrix": matrix.json, "test_acc": .double(matrix.accuracy)]
        if trainer.fsnet != nil {
            let n = Double(max(trainer.evaluatedExamples, 1))
            result["feature_frequency"] = .array(trainer.selectionCounts.map { .double(Double($0) / n) })
            result["feature_probability"] = .array(trainer.probabilitySums.map { .double($0 / n) })
        }
        if let kan = trainer.online.kan, let samples = trainer.representativeStates(count: 64) {
            // Prune first (pykan's prune_node), then fit each remaining edge symbolically.
            let (pruned, kept) = kan.pruned(on: samples)
            result["pruned_shape"] = .array(pruned.widths.map { .int($0) })
            result["kept_hidden_nodes"] = .array(kept.dropFirst().dropLast().flatMap { $0 }.map { .int($0) })
            let names = (0..<PreparedDataset.pixelCount).map { "s\($0)" }
            let formulas = pruned.symbolicFormula(on: samples, inputNames: names)
            result["formulas"] = .array(formulas.map { .string($0) })
        }
        return .object(result)
    }

    static func monotonicSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) * 1e-9
    }
}
