import Foundation
import SweepCore
import SweepReport
import SweepSpec

/// Deterministic sweeps for the tests: small enough to read in a golden file, with every
/// job state a report must handle.
enum Fixtures {
    static let generatedAt = Date(timeIntervalSince1970: 1_795_000_000)  // 2026-11-18T...Z
    static let start = Date(timeIntervalSince1970: 1_794_990_000)

    /// A metric series over `epochs` with a smooth trend plus a seed-dependent wiggle, so
    /// window sds and seed sds are both non-zero and differ per cell.
    static func series(base: Double, slope: Double, seed: Int, epochs: ClosedRange<Int32>) -> MetricSeries {
        let epochList = Array(epochs)
        let values = epochList.map { epoch in
            let e = Double(epoch)
            return base + slope * e + 0.01 * Double(seed) + 0.004 * Double((Int(epoch) * 7 + seed * 3) % 5)
        }
        return MetricSeries(epochs: epochList, values: values)
    }

    /// Table I in miniature: MLP, two distributions x two datasets x two seeds, 12 epochs,
    /// plus a failed and a pending job of a third distribution. While running, that pending
    /// job runs and one seed of (bernoulli, fashion-mnist) is still training.
    static func distSweep(isRunning: Bool = false) -> ReportInput {
        var jobs: [ReportJob] = []
        var id = 1
        let distributions = ["beta", "bernoulli"]
        let datasets = ["mnist", "fashion-mnist"]
        for (d, distribution) in distributions.enumerated() {
            for (s, dataset) in datasets.enumerated() {
                for seed in 1...2 {
                    let base = 0.5 + 0.2 * Double(1 - d) - 0.05 * Double(s)
                    let began = start.addingTimeInterval(Double(id) * 60)
                    if isRunning, distribution == "bernoulli", dataset == "fashion-mnist", seed == 2 {
                        // Still training: its partial metrics must not enter any number.
                        jobs.append(ReportJob(
                            id: id, key: String(format: "k%03d", id),
                            params: ["distribution": .string(distribution), "dataset": .string(dataset), "model": .string("mlp"), "lr": .double(0.001)],
                            seed: seed, state: .running, host: "lab1", startedAt: began,
                            metrics: ["train_acc": series(base: 0.9, slope: 0, seed: seed, epochs: 1...5)]
                        ))
                        id += 1
                        continue
                    }
                    jobs.append(ReportJob(
                        id: id, key: String(format: "k%03d", id),
                        params: ["distribution": .string(distribution), "dataset": .string(dataset), "model": .string("mlp"), "lr": .double(0.001)],
                        seed: seed, state: .done, host: id % 3 == 0 ? "lab1" : "local", attempt: id == 2 ? 2 : 1,
                        startedAt: began, finishedAt: began.addingTimeInterval(600 + Double(id) * 15),
                        metrics: [
                            "train_acc": series(base: base, slope: 0.01, seed: seed, epochs: 1...12),
                            "test_acc": series(base: base - 0.02, slope: 0.008, seed: seed, epochs: 1...12),
                        ]
                    ))
                    id += 1
                }
            }
        }
        jobs.append(ReportJob(
            id: id, key: "k009", params: ["distribution": .string("uniform"), "dataset": .string("mnist"), "model": .string("mlp"), "lr": .double(0.001)],
            seed: 1, state: .failed, host: "lab1", attempt: 3, startedAt: start, finishedAt: start.addingTimeInterval(30),
            error: "Fatal error: loss is NaN at epoch 4 | step 17\nstack trace follows"
        ))
        jobs.append(ReportJob(
            id: id + 1, key: "k010", params: ["distribution": .string("uniform"), "dataset": .string("fashion-mnist"), "model": .string("mlp"), "lr": .double(0.001)],
            seed: 1, state: isRunning ? .running : .pending, host: isRunning ? "local" : nil
        ))
        return ReportInput(
            sweep: "dist-mini", specFile: "Sweeps/dist-mini.json", generatedAt: generatedAt, jobs: jobs, isRunning: isRunning,
            tables: [TableSpec(title: "MLP-DDQN by distribution", rows: ["distribution"], columns: ["dataset"], metrics: ["train_acc", "test_acc", "wall_time"], window: 10)],
            axisOrder: ["distribution": [.string("beta"), .string("bernoulli"), .string("uniform")], "dataset": [.string("mnist"), .string("fashion-mnist")]]
        )
    }
}

extension Fixtures {
    /// The `report` section that reproduces the layouts of the HITL KAN-DDQN paper's
    /// Tables I-IV (the same text is in NOTES.md for the Sweeps/ files).
    static let paperReportSection = """
        {
          "window": 10,
          "tables": [
            {"title": "Table I: MLP-DDQN by distribution",
             "rows": ["distribution"], "columns": ["dataset"], "metrics": ["train_acc", "test_acc"],
             "filter": {"model": "mlp", "feature_selection": true, "conv_layers": 1}},
            {"title": "Table II: without feature selection",
             "rows": ["model", "dataset"], "metrics": ["precision", "recall", "f1", "train_acc", "test_acc", "wall_time"],
             "filter": {"feature_selection": false}},
            {"title": "Table III: KAN vs MLP with feature selection",
             "rows": ["model", "dataset", "conv_layers", "filters", "width", "kan.grid"],
             "metrics": ["precision", "recall", "f1", "train_acc", "test_acc", "wall_time"],
             "filter": {"feature_selection": true, "distribution": "beta", "kan.width": [8, null], "kan.grid": [3, null]}},
            {"title": "Table IV: KAN width and grid",
             "rows": ["model", "dataset", "conv_layers", "filters", "kan.width", "kan.grid"],
             "metrics": ["precision", "recall", "f1", "train_acc", "test_acc", "wall_time"],
             "filter": {"model": "kan", "feature_selection": true, "distribution": "beta", "conv_layers": 2, "filters": 4},
             "heatmap": ["kan.width", "kan.grid"]}
          ]
        }
        """

    /// A one-seed sweep shaped like the paper's experiments: the MLP distribution study, the
    /// no-feature-selection runs, and the beta runs over conv depth, KAN width and grid.
    static func paperSweep() throws -> ReportInput {
        var jobs: [ReportJob] = []
        func add(_ params: [String: ParamValue], accuracy: Double, hours: Double) {
            let id = jobs.count + 1
            let began = start.addingTimeInterval(Double(id) * 10)
            var metrics: [String: MetricSeries] = [:]
            for (offset, name) in ["precision", "recall", "f1", "train_acc", "test_acc"].enumerated() {
                metrics[name] = series(base: accuracy - 0.06 - 0.01 * Double(offset), slope: 0.005, seed: offset, epochs: 1...12)
            }
            jobs.append(ReportJob(
                id: id, key: "p\(id)", params: params, seed: 0, state: .done, host: "local",
                startedAt: began, finishedAt: began.addingTimeInterval(hours * 3600), metrics: metrics
            ))
        }
        // Beta with one conv layer comes from the loop over architectures below (same config).
        for (distribution, accuracy) in [("bernoulli", 0.58), ("uniform", 0.75)] {
            for (dataset, shift) in [("mnist", 0.0), ("fashion-mnist", -0.08)] {
                add(["model": .string("mlp"), "feature_selection": .bool(true), "distribution": .string(distribution), "dataset": .string(dataset),
                     "conv_layers": .int(1), "filters": .int(2), "width": .int(32)], accuracy: accuracy + shift, hours: 0.15)
            }
        }
        for (model, width, accuracy, hours) in [("kan", 8, 0.58, 5.2), ("mlp", 32, 0.52, 0.18)] {
            for dataset in ["mnist", "fashion-mnist"] {
                var params: [String: ParamValue] = ["model": .string(model), "feature_selection": .bool(false), "dataset": .string(dataset), "width": .int(width)]
                if model == "kan" { params["kan.grid"] = .int(3); params["kan.width"] = .int(8) }
                add(params, accuracy: accuracy, hours: hours)
            }
        }
        for (model, conv, filters, width, grid, accuracy, hours) in [
            ("kan", 1, 2, 8, 3, 0.93, 4.6), ("mlp", 1, 2, 32, 0, 0.84, 0.15),
            ("kan", 2, 4, 8, 2, 0.72, 6.1), ("kan", 2, 4, 8, 3, 0.73, 5.8), ("kan", 2, 4, 16, 3, 0.75, 10.4), ("mlp", 2, 4, 32, 0, 0.72, 0.18),
        ] {
            for dataset in ["mnist", "fashion-mnist"] {
                var params: [String: ParamValue] = ["model": .string(model), "feature_selection": .bool(true), "distribution": .string("beta"),
                                                    "dataset": .string(dataset), "conv_layers": .int(conv), "filters": .int(filters), "width": .int(width)]
                if model == "kan" { params["kan.grid"] = .int(grid); params["kan.width"] = .int(width) }
                add(params, accuracy: accuracy, hours: hours)
            }
        }
        let document = try SpecDocument(file: "Sweeps/paper.json", text: #"{"report": "# + paperReportSection + "}")
        return ReportInput(
            sweep: "paper", specFile: "Sweeps/paper.json", generatedAt: generatedAt, jobs: jobs,
            tables: try SpecDocument.reportSection(of: document),
            axisOrder: ["model": [.string("kan"), .string("mlp")], "dataset": [.string("mnist"), .string("fashion-mnist")]]
        )
    }
}

extension Fixtures {
    /// A sweep a stop rule cut short: three learning rates x three seeds, 9 epochs. lr 0.1
    /// ran to the end on every seed, lr 0.01 on two (one stopped at epoch 3), lr 0.001 on
    /// none (stopped at epochs 3, 3 and 1).
    static func stopSweep() -> ReportInput {
        var jobs: [ReportJob] = []
        let stops: [Double: [Int32?]] = [0.1: [nil, nil, nil], 0.01: [nil, 3, nil], 0.001: [3, 3, 1]]
        for (l, lr) in [0.1, 0.01, 0.001].enumerated() {
            for seed in 1...3 {
                let id = jobs.count + 1
                let last = stops[lr]![seed - 1]
                let began = start.addingTimeInterval(Double(id) * 60)
                jobs.append(ReportJob(
                    id: id, key: String(format: "s%03d", id), params: ["model": .string("kan"), "lr": .double(lr), "epochs": .int(9)],
                    seed: seed, state: last == nil ? .done : .stopped, host: "local", startedAt: began,
                    finishedAt: began.addingTimeInterval(Double(last ?? 9) * 10),
                    error: last.map { "stopped at epoch \($0) by asha: acc below the rung's cutoff" },
                    metrics: ["acc": series(base: 0.6 - 0.1 * Double(l), slope: 0.02, seed: seed, epochs: 1...(last ?? 9))]))
            }
        }
        return ReportInput(
            sweep: "stop-mini", specFile: "Sweeps/stop-mini.json", generatedAt: generatedAt, jobs: jobs, isRunning: false,
            tables: [TableSpec(title: "ASHA by learning rate", rows: ["model"], columns: ["lr"], metrics: ["acc"], window: 3)],
            axisOrder: ["lr": [.double(0.1), .double(0.01), .double(0.001)]])
    }
}
