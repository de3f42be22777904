import Foundation
import SweepCore
import SweepStore

/// A search's done jobs as the dashboard plots them (parallel coordinates, scatter, history):
/// each job's varying params and objective value, bounded whatever the sweep's size.
public struct Trials: Sendable {
    /// One done job with an objective value.
    public struct Trial: Sendable {
        public var job: Int64
        public var config: [String: JSONValue]
        public var value: Double
    }

    /// The params that vary between done jobs (seed excluded), sorted.
    public var varying: [String]
    /// The drawn jobs, worst first (so the best are drawn last): all of them up to
    /// `maxTrials`, else the best fifth of that and an even sample of the rest by id.
    public var trials: [Trial]
    /// Done jobs with a value, before thinning.
    public var total: Int
    /// The history: (index in start order, value) of at most `maxTrials` jobs, evenly thinned,
    /// and the best-so-far line's steps (thinned the same way past `maxTrials`).
    public var history: [(index: Int, value: Double)]
    public var bestSoFar: [(index: Int, value: Double)]

    public static let maxTrials = 1_000

    /// Each done job's objective value (`objective.value` over the curve of its attempt that
    /// finished ok), for the done jobs that have one.
    public static func objectiveValues(store: StoreReader, sweep: SweepInfo, objective: Objective) throws -> [Int64: Double] {
        var curves: [Int64: [(Int, Double)]] = [:]
        try store.forEachOkMetric(of: sweep.id) { job, name, epoch, value in
            if name == objective.metric, let value, value.isFinite { curves[job, default: []].append((epoch, value)) }
        }
        return curves.compactMapValues { curve in objective.value(of: curve.sorted(by: { $0.0 < $1.0 }).map(\.1)) }
    }

    /// Reads every done job's objective value (`objective.value` over its curve).
    public init(store: StoreReader, sweep: SweepInfo, objective: Objective) throws {
        let jobs = try store.jobs(of: sweep.id).filter { $0.state == .done }
        let values = try Self.objectiveValues(store: store, sweep: sweep, objective: objective)
        varying = Set(jobs.flatMap { $0.config.values.keys }).subtracting(["seed"]).filter { name in
            Set(jobs.map { $0.config[name] }).count > 1
        }.sorted()
        var all: [(job: StoredJob, value: Double)] = []
        for job in jobs.sorted(by: { $0.id < $1.id }) {
            guard let value = values[job.id] else { continue }
            all.append((job, value))
        }
        total = all.count
        // Best first, ties by id.
        let ranked = all.indices.sorted { a, b in
            all[a].value != all[b].value ? objective.isBetter(all[a].value, than: all[b].value) : a < b
        }
        var kept = ranked
        if all.count > Self.maxTrials {
            let bestCount = Self.maxTrials / 5
            var chosen = Set(ranked.prefix(bestCount))
            let rest = all.indices.filter { !chosen.contains($0) }
            for index in Self.evenlySpaced(rest.count, atMost: Self.maxTrials - bestCount) { chosen.insert(rest[index]) }
            kept = ranked.filter { chosen.contains($0) }
        }
        let keys = Set(varying)
        trials = kept.reversed().map { index in
            Trial(job: all[index].job.id, config: all[index].job.config.values.filter { keys.contains($0.key) }, value: all[index].value)
        }
        // The history, in start order.
        let started = all.sorted { ($0.job.startedAt ?? .distantPast, $0.job.id) < ($1.job.startedAt ?? .distantPast, $1.job.id) }
        var steps: [(index: Int, value: Double)] = []
        for (index, entry) in started.enumerated() where steps.last.map({ objective.isBetter(entry.value, than: $0.value) }) ?? true {
            steps.append((index, entry.value))
        }
        history = Self.evenlySpaced(started.count, atMost: Self.maxTrials).map { ($0, started[$0].value) }
        bestSoFar = Self.evenlySpaced(steps.count, atMost: Self.maxTrials).map { steps[$0] }
    }

    /// `count` indices spread evenly from the first to the last, at most `limit` of them.
    static func evenlySpaced(_ count: Int, atMost limit: Int) -> [Int] {
        guard count > limit else { return Array(0..<count) }
        return (0..<limit).map { $0 * (count - 1) / (limit - 1) }
    }

    /// `{"varying": [...], "total": N, "trials": [{"job", "value", "config"}], "history": [[i, v]], "best_so_far": [[i, v]]}`.
    public var json: JSONValue {
        [
            "varying": .array(varying.map(JSONValue.string)), "total": .int(total),
            "trials": .array(trials.map { ["job": .int(Int($0.job)), "value": .double($0.value), "config": .object($0.config)] }),
            "history": .array(history.map { [.int($0.index), .double($0.value)] }),
            "best_so_far": .array(bestSoFar.map { [.int($0.index), .double($0.value)] }),
        ]
    }
}
