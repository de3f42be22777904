import Foundation
import SweepCoordinator
import SweepCore
import SweepRuntime
import SweepSearch
import SweepStore
import SweepTestSupport
import SweepTransport
import SweepWire
import Testing

/// The coordinator's model-based search over a real store, with scripted workers that
/// answer each trial with Branin's value at its config (x, y) after `epochs` epochs.
@Suite struct SearchTests {
    static func search(trials: Int, seed: UInt64 = 4, startup: Int = 5, epochs: Int = 1, stop: StopSettings? = nil) -> ModelSearch {
        ModelSearch(
            parameters: [ModelSearch.Parameter(name: "x", dimension: .uniform(low: -5, high: 10)),
                         ModelSearch.Parameter(name: "y", dimension: .uniform(low: 0, high: 15)),
                         ModelSearch.Parameter(name: "kind", dimension: .choice(count: 2), choices: ["a", "b"])],
            template: JobConfig(["seed": 0, "epochs": .int(epochs)]), workload: "probe", version: 1, trials: trials,
            startup: startup, seed: seed, objective: Objective(metric: "loss", mode: .min), stop: stop)
    }

    /// A sweep with a search and no planned jobs, in `directory`'s database (by default a
    /// folder of its own, removed with the run).
    final class Run {
        let scratch: TemporaryFolder?
        let prepared: Launcher.Prepared
        let coordinator: Coordinator
        let clock = ManualClock()
        let events = EventQueue()

        init(directory given: URL? = nil, search: ModelSearch, transports: [ScriptedTransport]) throws {
            scratch = given == nil ? try TemporaryFolder("sweep-search") : nil
            let directory = given ?? scratch!.url
            var options = Coordinator.Options()
            options.search = search
            if let stop = search.stop { options.stopping = EarlyStopping(objective: search.objective, settings: stop) }
            let plan = Launcher.Plan(name: "s", workload: "probe", specPath: "s.json", specText: "{}", jobs: [], search: "search-test")
            prepared = try Launcher(databasePath: directory.appendingPathComponent("sweep.sqlite").path, options: options).prepare(plan)
            coordinator = Coordinator(store: prepared.store, sweep: prepared.sweep, transports: transports, events: events,
                                      options: options, progress: ProgressLine(sweep: "s", style: .quiet, clock: clock), clock: clock)
        }

        var trials: [StoredTrial] { get throws { try prepared.store.trials(of: prepared.sweep.id) } }
    }

    static func branin(_ config: JobConfig) -> Double {
        SyntheticObjective.branin.evaluate([config.double("x"), config.double("y")]) + (config["kind"] == "b" ? 0 : 5)
    }

    /// Answers every run not answered yet: each epoch's loss, then done (or failed when
    /// `fails` says so). Returns how many were answered.
    @discardableResult
    static func answer(_ host: ScriptedTransport, answered: inout Set<Int64>, store: StoreReader, epochs: Int = 1,
                       fails: (JobConfig) -> Bool = { _ in false }) throws -> Int {
        var count = 0
        for run in host.runs where !answered.contains(run.job) {
            answered.insert(run.job)
            count += 1
            let config = JobConfig(run.config.values)
            if fails(config) {
                host.failed(run.job, error: "diverged")
                continue
            }
            for epoch in 1...epochs { host.metric(run.job, epoch: epoch, ["loss": branin(config) * Double(epochs + 1 - epoch)]) }
            host.done(run.job)
        }
        return count
    }

    /// Runs a whole search on one host of `slots` slots; returns the trials' configs in order.
    static func runSearch(_ search: ModelSearch, slots: Int = 1, directory: URL? = nil,
                          fails: (JobConfig) -> Bool = { _ in false }) throws -> (configs: [JobConfig], trials: [StoredTrial]) {
        let host = ScriptedTransport("h", slots: slots)
        let run = try Run(directory: directory, search: search, transports: [host])
        try run.coordinator.start()
        host.ready()
        var answered = Set<Int64>()
        var rounds = 0
        while !run.coordinator.isFinished, rounds < 10 * search.trials {
            try run.coordinator.runPending()
            try answer(host, answered: &answered, store: run.prepared.store, epochs: (search.template["epochs"]?.intValue ?? 1), fails: fails)
            rounds += 1
        }
        _ = try run.coordinator.finish()
        let trials = try run.trials
        return (trials.map(\.job.config), trials)
    }

    @Test func aSearchRunsExactlyNTrialsEachAJob() throws {
        let (configs, trials) = try Self.runSearch(Self.search(trials: 20))
        #expect(trials.map(\.number) == Array(0..<20))
        #expect(trials.allSatisfy { $0.job.state == .done })
        #expect(Set(configs).count == 20)
        // The first 5 at random, then the model's.
        #expect(trials.prefix(5).allSatisfy { $0.proposedFrom.hasPrefix("random (startup") }, "\(trials.map(\.proposedFrom))")
        #expect(trials.dropFirst(5).allSatisfy { $0.proposedFrom.hasPrefix("tpe (joint): ") }, "\(trials.map(\.proposedFrom))")
        #expect(trials.allSatisfy { $0.samplerSeed == 4 })
    }

    @Test func withOneSlotTheSequenceIsReproducibleFromTheSeed() throws {
        let first = try Self.runSearch(Self.search(trials: 15)).configs
        let second = try Self.runSearch(Self.search(trials: 15)).configs
        let other = try Self.runSearch(Self.search(trials: 15, seed: 5)).configs
        #expect(first == second)
        #expect(first != other)
        #expect(first.count == 15)
    }

    @Test func aResumedSearchContinuesTheSameSequenceToExactlyN() throws {
        let whole = try Self.runSearch(Self.search(trials: 14)).configs
        // The first coordinator runs 8 trials' jobs, proposes the 9th (it starts running),
        // and is dropped without finishing: as after kill -9, its job is left running.
        let folder = try TemporaryFolder("sweep-search")
        let directory = folder.url
        do {
            let host = ScriptedTransport("h", slots: 1)
            let run = try Run(directory: directory, search: Self.search(trials: 14), transports: [host])
            try run.coordinator.start()
            host.ready()
            var answered = Set<Int64>()
            while try run.trials.count < 9 {
                try run.coordinator.runPending()
                try Self.answer(host, answered: &answered, store: run.prepared.store)
                try run.coordinator.runPending()
            }
            #expect(try run.trials.count == 9)
        }
        let resumed = try Self.runSearch(Self.search(trials: 14), directory: directory)
        #expect(resumed.trials.map(\.number) == Array(0..<14))
        #expect(resumed.configs == whole)
        // The interrupted trial's job ran again (its attempt was lost), none ran twice to the end.
        let store = try StoreReader(path: directory.appendingPathComponent("sweep.sqlite").path)
        for trial in resumed.trials {
            #expect(try store.attempts(of: trial.job.id).filter { $0.status == .ok }.count == 1)
        }
    }

    @Test func parallelSlotsAreGivenDifferentPoints() throws {
        // 4 slots: after the startup trials, the model proposes 4 trials at once; each sees
        // the ones before it as running (constant liar), so they differ.
        let (configs, trials) = try Self.runSearch(Self.search(trials: 24), slots: 4)
        #expect(trials.count == 24)
        #expect(Set(configs).count == 24)
        #expect(trials.contains { $0.proposedFrom.contains("running)") }, "\(trials.map(\.proposedFrom))")
    }

    @Test func failedTrialsAreLeftOutOfTheModelAndCounted() throws {
        // Trials with kind "a" fail (the program's own error).
        let (_, trials) = try Self.runSearch(Self.search(trials: 20), fails: { $0["kind"] == "a" })
        #expect(trials.count == 20)
        let failed = trials.filter { $0.job.state == .failed }
        #expect(!failed.isEmpty)
        // Each model proposal's below + above counts only the trials finished ok before it.
        for trial in trials where trial.proposedFrom.hasPrefix("tpe (joint): ") {
            let parts = trial.proposedFrom.split(separator: " ")
            let below = try #require(Int(parts[2])), above = try #require(Int(parts[4]))
            let okBefore = trials.prefix(trial.number).filter { $0.job.state == .done }.count
            #expect(below + above == okBefore, "trial \(trial.number): \(trial.proposedFrom), \(okBefore) ok before")
        }
        // As in Optuna, the model never learns that "a" fails: it sees no "a" at all, so
        // "a" stays the unexplored value and keeps being tried (a known limit of ignoring).
        #expect(failed.allSatisfy { $0.job.config["kind"] == "a" })
    }

    @Test func withAStopRuleTheModelIsFitAtTheLargestRungWithEnoughValues() throws {
        // 9 epochs, ASHA rungs at 1 and 3; the loss falls with the epochs. Each trial reports
        // epoch by epoch and ends as the worker would: cancelled when told to stop. Before 5
        // trials have finished, the model is fit at a rung (stopped trials count there).
        let stop = StopSettings(rule: .asha, grace: 1, reduction: 3)
        let search = Self.search(trials: 16, startup: 5, epochs: 9, stop: stop)
        let host = ScriptedTransport("h", slots: 1)
        let run = try Run(search: search, transports: [host])
        try run.coordinator.start()
        host.ready()
        var answered = Set<Int64>()
        var rounds = 0
        while !run.coordinator.isFinished, rounds < 200 {
            try run.coordinator.runPending()
            for request in host.runs where !answered.contains(request.job) {
                answered.insert(request.job)
                let loss = Self.branin(JobConfig(request.config.values))
                var stopped = false
                for epoch in 1...9 {
                    host.metric(request.job, epoch: epoch, ["loss": loss * Double(10 - epoch)])
                    try run.coordinator.runPending()
                    if host.stops.contains(request.job) {
                        host.cancelled(request.job)
                        stopped = true
                        break
                    }
                }
                if !stopped { host.done(request.job) }
            }
            rounds += 1
        }
        _ = try run.coordinator.finish()
        let trials = try run.trials
        #expect(trials.count == 16)
        #expect(trials.contains { $0.job.state == .stopped }, "\(trials.map(\.job.state))")
        #expect(trials.dropFirst(5).allSatisfy { $0.proposedFrom.hasPrefix("tpe (joint): ") }, "\(trials.map(\.proposedFrom))")
        #expect(trials.contains { $0.proposedFrom.contains(", values at epoch ") }, "\(trials.map(\.proposedFrom))")
    }
}
