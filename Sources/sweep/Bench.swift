import ArgumentParser
import Foundation
import KANKit
import SweepCoordinator
import SweepCore
import SweepRemote
import SweepReport
import SweepRuntime
import SweepSpec
import SweepStore
import SweepViews
import Workloads

extension Sweep {
    struct Bench: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Measure the hot paths (use a release build); results go in docs/benchmarks.md.",
            subcommands: [Kan.self, Masks.self, LoadBalancing.self, Dispatch.self, ReportBench.self, SSH.self, Slurm.self, Stop.self, TPE.self])
    }
}

/// A scratch directory for a benchmark, removed afterwards.
func withScratchDirectory<T>(_ body: (URL) throws -> T) throws -> T {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sweep-bench-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    return try body(directory)
}

func printResult(_ values: [(String, Double)], json: Bool) {
    if json {
        let object = JSONValue.object(Dictionary(uniqueKeysWithValues: values.map { ($0.0, JSONValue.double($0.1)) }))
        print(object.canonicalText)
    } else {
        for (name, value) in values { print("\(name): \(String(format: "%.3f", value))") }
    }
}

extension Sweep.Bench {
    struct Stop: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Time the stop rules' decisions: every job's metric lines of a synthetic sweep, fed as the coordinator feeds them; prints microseconds per metric line.")

        @Option(help: "Jobs, each reporting every epoch.") var jobs = 10_000
        @Option(help: "Epochs per job.") var epochs = 27
        @Option(help: ArgumentHelp("Instead of timing: learning curves to run the rules on, a JSON file {\"curves\": [[value per epoch], ...]} (one per config, larger is better); prints the epochs each rule used and the final value of the configuration it found best.", valueName: "file"))
        var curves: String?
        @Option(help: "With --curves: jobs running at once (1: one after another, as a sequential study).") var workers = 1
        @Option(help: "With --curves: the rules' grace.") var grace = 1
        @Option(help: "With --curves: asha's and hyperband's reduction.") var reduction = 3
        @Option(help: "With --curves: the median rule's min_jobs.") var minJobs = 3
        @Flag(help: "Print JSON (only it goes to stdout).") var json = false

        func validate() throws {
            guard (1...1_000_000).contains(jobs) else { throw ValidationError("--jobs must be in 1...1000000") }
            guard (1...10_000).contains(epochs) else { throw ValidationError("--epochs must be in 1...10000") }
        }

        func run() throws {
            if let curves { return try replay(curves) }
            let objective = Objective(metric: "acc", mode: .max)
            var results: [(String, Double)] = [("jobs", Double(jobs)), ("epochs", Double(epochs))]
            let rules = StopSettings.Rule.allCases.map { ($0.rawValue, StopSettings(rule: $0, grace: 1, reduction: 3)) }
                + [("asha_pause", StopSettings(rule: .asha, grace: 1, reduction: 3, pause: true))]
            for (name, settings) in rules {
                var stopping = EarlyStopping(objective: objective, settings: settings)
                var stopped = Set<Int64>()
                var lines = 0
                // Jobs interleaved epoch by epoch (all running at once: the most decisions per rung),
                // each a learning curve with its own ceiling.
                let start = ContinuousClock.now
                for epoch in 1...epochs {
                    for job in 0..<Int64(jobs) where !stopped.contains(job) {
                        let ceiling = Double((job &* 2_654_435_761) % 1000) / 1000
                        let acc = ceiling * Double(epoch) / Double(epoch + 3)
                        lines += 1
                        if stopping.observe(job: job, epoch: epoch, metrics: ["acc": acc, "loss": 1 - acc], lastEpoch: epochs) != nil {
                            stopped.insert(job)
                        }
                    }
                }
                let elapsed = (ContinuousClock.now - start).inSeconds
                results.append(("\(name)_us_per_line", elapsed * 1e6 / Double(lines)))
                results.append(("\(name)_epochs_run_fraction", Double(lines) / Double(jobs * epochs)))
            }
            printResult(results, json: json)
        }

        /// Runs every rule on the same curves, `workers` jobs at a time in config order, each
        /// job one epoch per tick: what a sweep with that many slots would do.
        private func replay(_ path: String) throws {
            guard let data = FileManager.default.contents(atPath: path), let curves = try JSONParser.parse(String(decoding: data, as: UTF8.self))["curves"]?.arrayValue
            else { throw CommandFailure("\(path): expected {\"curves\": [[numbers], ...]}") }
            let series = curves.map { ($0.arrayValue ?? []).compactMap(\.doubleValue) }
            guard !series.isEmpty, series.allSatisfy({ !$0.isEmpty }), (1...1024).contains(workers) else {
                throw CommandFailure("\(path): every curve needs at least one value, and --workers is 1...1024")
            }
            let full = series.map(\.count).reduce(0, +)
            let trueBest = series.map { $0.last! }.max()!
            var results: [(String, Double)] = [("configs", Double(series.count)), ("full_epochs", Double(full)), ("true_best_final", trueBest)]
            let rules: [(name: String, settings: StopSettings?)] = [("none", nil)]
                + StopSettings.Rule.allCases.map { ($0.rawValue, StopSettings(rule: $0, grace: grace, reduction: reduction, minJobs: minJobs)) }
                + [StopSettings.Rule.asha, .hyperband].map { ("\($0.rawValue)_pause", StopSettings(rule: $0, grace: grace, reduction: reduction, pause: true)) }
            for (name, settings) in rules {
                var stopping = settings.map { EarlyStopping(objective: Objective(metric: "acc", mode: .max), settings: $0) }
                var used = 0, next = 0
                var running: [(job: Int, epoch: Int)] = []
                var finished: [Int] = []
                // As the coordinator fills a slot: a promotion (run again from its start) before a new configuration.
                func nextJob() -> Int? {
                    if let job = stopping?.promotion(idle: running.isEmpty && next == series.count) {
                        stopping?.promote(job)
                        return Int(job)
                    }
                    guard next < series.count else { return nil }
                    defer { next += 1 }
                    return next
                }
                while running.count < workers, let job = nextJob() { running.append((job, 0)) }
                while !running.isEmpty {
                    var still: [(job: Int, epoch: Int)] = []
                    for var run in running {
                        run.epoch += 1
                        used += 1
                        let curve = series[run.job]
                        let alone = running.count == 1 && next == series.count && stopping?.promotion(idle: false) == nil
                        let stopped = stopping?.observe(job: Int64(run.job), epoch: run.epoch, metrics: ["acc": curve[run.epoch - 1]],
                                                        lastEpoch: curve.count, alone: alone) != nil
                        if run.epoch == curve.count { finished.append(run.job); stopping?.ended(job: Int64(run.job), as: .done) }
                        else if stopped { stopping?.ended(job: Int64(run.job), as: .stopped) }
                        else { still.append(run) }
                    }
                    running = still
                    while running.count < workers, let job = nextJob() {
                        stopping?.started(job: Int64(job))
                        running.append((job, 0))
                    }
                }
                let chosen = finished.max { series[$0].last! < series[$1].last! }
                results += [("\(name)_epochs_fraction", Double(used) / Double(full)),
                            ("\(name)_best_final", chosen.map { series[$0].last! } ?? .nan)]
            }
            printResult(results, json: json)
        }
    }

    struct Dispatch: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run zero-duration probe jobs on the local worker, end to end with SQLite; prints ms per job.")

        @Option(help: "Jobs to run (one per seed, so at most a spec's 10,000 seeds).") var jobs = 1000
        @Option(help: "Local worker slots.") var slots = 8
        @Flag(help: "Print JSON (only it goes to stdout).") var json = false

        func validate() throws {
            guard (1...10_000).contains(jobs) else { throw ValidationError("--jobs must be in 1...10000") }
            guard (1...1024).contains(slots) else { throw ValidationError("--slots must be in 1...1024") }
        }

        func run() throws {
            try withScratchDirectory { directory in
                let specPath = directory.appendingPathComponent("bench.json").path
                try #"{"name": "bench", "workload": "probe", "base": {"epochs": 1}, "seeds": \#(jobs)}"#
                    .write(toFile: specPath, atomically: true, encoding: .utf8)
                let database = directory.appendingPathComponent("sweep.sqlite").path
                let options = try RunOptions.parse(["--local-slots", String(slots), "--quiet"])
                let start = Date()
                // With --json, stdout carries only the JSON: the run's own lines go to stderr.
                try SweepRun.launch(plan: SpecFiles.plan(specPath), databasePath: database, options: options,
                                    say: json ? { FileHandle.standardError.write(Data(($0 + "\n").utf8)) } : { print($0) })
                let seconds = Date().timeIntervalSince(start)
                printResult([("jobs", Double(jobs)), ("total_s", seconds), ("ms_per_job", seconds * 1000 / Double(jobs))], json: json)
            }
        }
    }

    struct ReportBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "report",
            abstract: "Fill a store with jobs x epochs x metrics rows, then time `sweep report` on it (load + render + write).",
            discussion: """
                The jobs sweep `value` (--values) x `sleep_ms` (--columns) with jobs / (values x columns) \
                seeds; they are never run, their metrics are made up. The 1M-row case is the default \
                shape with --epochs 100 --metrics 10; a big grid is --jobs 100000 --values 1000 \
                --columns 100 --epochs 10 --metrics 2.
                """)

        @Option(help: "Jobs: values x columns configurations x the remaining factor as seeds.") var jobs = 1000
        @Option(help: "Epochs per job.") var epochs = 100
        @Option(help: "Metrics per epoch (the first two are loss and acc).") var metrics = 10
        @Option(help: "Values of the first swept param (value).") var values = 100
        @Option(help: "Values of the second swept param (sleep_ms).") var columns = 1
        @Flag(help: "A random search instead of the grid: --jobs draws of value (log-uniform) and sleep_ms, one seed, objective loss (min), so the report also draws the search plots.")
        var sample = false
        @Flag(help: "Print JSON.") var json = false

        func validate() throws {
            guard (1...100_000).contains(jobs) else { throw ValidationError("--jobs must be in 1...100000") }
            if sample { return }
            guard (1...10_000).contains(epochs) else { throw ValidationError("--epochs must be in 1...10000") }
            guard (1...1000).contains(metrics) else { throw ValidationError("--metrics must be in 1...1000") }
            guard (1...jobs).contains(values), (1...jobs).contains(columns), values * columns <= jobs, jobs / (values * columns) <= 10_000 else {
                throw ValidationError("--values x --columns must be between 1 and --jobs, with at most 10000 seeds each")
            }
        }

        func run() throws {
            try withScratchDirectory { directory in
                let database = directory.appendingPathComponent("sweep.sqlite").path
                let seeds = max(1, jobs / (values * columns))
                let grid = #""value": [\#((1...values).map(String.init).joined(separator: ","))], "sleep_ms": [\#((0..<columns).map(String.init).joined(separator: ","))]"#
                let spec = sample
                    ? #"{"name": "bench", "workload": "probe", "sample": {"n": \#(jobs), "seed": 1, "params": {"value": {"log_uniform": [0.001, 1000]}, "sleep_ms": {"int_uniform": [0, 1000]}}}, "objective": {"metric": "loss", "mode": "min"}}"#
                    : #"{"name": "bench", "workload": "probe", "grid": {\#(grid)}, "seeds": \#(seeds)}"#
                let plan = try SpecFiles.plan(file: "bench.json", text: spec)
                let store = try StoreWriter(path: database)
                let sweep = try store.register(name: "bench", workload: "probe", specPath: "bench.json", specText: spec,
                                               jobs: plan.jobs.map { NewJob(key: $0.key, workload: $0.workload, config: $0.config) }).sweep
                let names = (0..<metrics).map { $0 == 0 ? "loss" : $0 == 1 ? "acc" : "metric_\($0)" }
                for job in try store.jobs(of: sweep.id) {
                    let attempt = try store.startAttempt(job: job.id, host: "local")
                    var rows: [MetricRow] = []
                    rows.reserveCapacity(epochs * metrics)
                    for epoch in 1...epochs {
                        for (i, name) in names.enumerated() {
                            rows.append(MetricRow(job: job.id, attempt: attempt, epoch: epoch, name: name,
                                                  value: sin(Double(epoch * (i + 1) + Int(job.id)))))
                        }
                    }
                    try store.append(metrics: rows, logs: [])
                    try store.finishAttempt(job: job.id, attempt: attempt, outcome: .ok(summary: nil))
                }
                let start = Date()
                let input = try ReportLoader.input(store: StoreReader(path: database), sweep: sweep, workloads: WorkloadRegistry.all)
                let loaded = Date()
                let report = Report(input)
                let computed = Date()
                let written = try report.write(to: directory.appendingPathComponent("report"), formats: .all)
                let end = Date()
                let bytes = written.reduce(0) { $0 + ((try? FileManager.default.attributesOfItem(atPath: $1.path)[.size] as? Int) ?? 0) }
                printResult([
                    ("jobs", Double(plan.jobs.count)), ("rows", Double(plan.jobs.count * epochs * metrics)), ("files", Double(written.count)),
                    ("megabytes", Double(bytes) / 1e6),
                    ("load_s", loaded.timeIntervalSince(start)), ("tables_s", computed.timeIntervalSince(loaded)),
                    ("render_write_s", end.timeIntervalSince(computed)),
                    ("total_s", end.timeIntervalSince(start)),
                ], json: json)
            }
        }
    }

    struct SSH: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Time connect, exec channels, line round trips and SFTP upload (of this binary) to one host.")

        @Argument(help: ArgumentHelp("A host file (Hosts/NAME.json).", valueName: "host-file"))
        var hostFile: String

        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let host = try HostFile(contentsOf: hostFile)
            let binary = try SelfExecutable.path()
            printResult(try await RemoteHost.benchmark(host, uploadPath: binary), json: json)
        }
    }

    struct Kan: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Median ms per training step (forward + backward + AdamW, batch 128, one core) of KAN [64,8,10], MLP [64,32,10] and FSNet.")

        @Option(help: "Steps to time per network.") var steps = 500
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let figures = KANBenchmarks.run(steps: steps)
            printResult(["kan_step_ms", "mlp_step_ms", "fsnet_step_ms"].map { ($0, figures[$0] ?? .nan) }, json: json)
        }
    }

    struct Masks: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Nanoseconds per mask element of each hitl-ddqn mask distribution (batches of 128 x 64, one core).")

        @Option(help: "Batches to time per distribution.") var batches = 2_000
        @Option(help: "Time only this distribution.") var only: MaskDistribution?
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let batch = 128, features = 64, count = batch * features
            let probabilities = UnsafeMutablePointer<Float>.allocate(capacity: count)
            let mask = UnsafeMutablePointer<Float>.allocate(capacity: count)
            defer {
                probabilities.deallocate()
                mask.deallocate()
            }
            var generator = SeededGenerator(seed: 1)
            for i in 0..<count { probabilities[i] = generator.uniform(0.01, 0.99) }
            let clock = ContinuousClock()
            let figures = (only.map { [$0] } ?? MaskDistribution.allCases).map { distribution -> (String, Double) in
                let sampler = MaskSampler(distribution, features: features)
                let start = clock.now
                for _ in 0..<batches {
                    sampler.sample(probabilities, into: mask, batch: batch, temperature: 1, generator: &generator)
                }
                return ("\(distribution.rawValue)_ns", (clock.now - start) / .nanoseconds(1) / Double(batches * count))
            }
            printResult(figures, json: json)
        }
    }

    struct LoadBalancing: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "lb-ppo",
            abstract: "Simulator steps per second alone, and a full lb-ppo training run's steps per second (one core).")

        @Option(help: "Simulator steps to time.") var simulatorSteps = 2_000_000
        @Option(help: "Training steps (total_steps) of the PPO run.") var trainingSteps = 1_000_000
        @Option(help: "The actor: kan or mlp.") var actor = "kan"
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            var values: [String: JSONValue] = ["seed": 1]
            for parameter in LoadBalancingPPO.parameters { values[parameter.name] = parameter.defaultValue }
            values["total_steps"] = .int(trainingSteps)
            values["actor"] = .string(actor)
            let config = JobConfig(values)
            let clock = ContinuousClock()
            var start = clock.now
            _ = LoadBalancingPPO.simulate(config, steps: simulatorSteps, action: 0.5)
            let simulated = (clock.now - start) / .seconds(1)
            start = clock.now
            let summary = try LoadBalancingPPO.run(config, context: SilentContext())
            let trained = (clock.now - start) / .seconds(1)
            let steps = Double(summary["steps"]?.intValue ?? trainingSteps)
            printResult([
                ("simulator_steps_per_s", Double(simulatorSteps) / simulated),
                ("training_steps_per_s", steps / trained), ("training_s", trained),
            ], json: json)
        }
    }
}

extension MaskDistribution: ExpressibleByArgument {}

/// Discards a benchmarked job's metrics.
private final class SilentContext: JobContext {
    func report(epoch: Int, metrics: [String: Double]) {}
    func log(_ message: String) {}
}
