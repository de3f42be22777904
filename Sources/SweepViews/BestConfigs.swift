import Foundation
import SweepCore
import SweepStore

/// A sweep's configurations ranked by its objective (`sweep best`): each configuration's
/// value is the mean over its seeds of every done job's objective value (`Objective.value`:
/// last, best or window), with the spread across seeds.
public struct BestConfig: Sendable {
    /// The parameters that vary between the sweep's jobs, for this configuration.
    public var config: [String: JSONValue]
    /// Mean over seeds of each job's objective value.
    public var value: Double
    /// Sample standard deviation across seeds (nil for one seed).
    public var sd: Double?
    /// The best value any epoch of any of its jobs reached.
    public var best: Double
    /// Epochs of its longest job.
    public var epochs: Int
    /// Its done jobs, by id; the first is the one with the best objective value.
    public var jobs: [Int64]

    /// Ranks the done jobs of `sweep` by `objective`, best first; at most `top`.
    public static func rank(store: StoreReader, sweep: SweepInfo, objective: Objective, top: Int) throws -> [BestConfig] {
        let all = try store.jobs(of: sweep.id)
        let jobs = all.filter { $0.state == .done }
        var curves: [Int64: [(Int, Double)]] = [:]
        try store.forEachOkMetric(of: sweep.id) { job, name, epoch, value in
            if name == objective.metric, let value, value.isFinite { curves[job, default: []].append((epoch, value)) }
        }
        // What varies across the sweep, not only its done jobs: a stop rule may leave one
        // configuration done, and the winner must still be named.
        let varying = Set(all.flatMap { $0.config.values.keys }).subtracting(["seed"]).filter { name in
            Set(all.map { $0.config[name] }).count > 1
        }
        var groups: [[String: JSONValue]: [(job: Int64, value: Double, best: Double, epochs: Int)]] = [:]
        for job in jobs {
            guard let curve = curves[job.id]?.sorted(by: { $0.0 < $1.0 }), let value = objective.value(of: curve.map(\.1)) else { continue }
            let config = job.config.values.filter { varying.contains($0.key) }
            let best = objective.mode == .max ? curve.map(\.1).max()! : curve.map(\.1).min()!
            groups[config, default: []].append((job.id, value, best, curve.last?.0 ?? 0))
        }
        let ranked = groups.map { config, runs -> BestConfig in
            let values = runs.map(\.value)
            let mean = values.reduce(0, +) / Double(values.count)
            let sd = values.count > 1
                ? (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count - 1)).squareRoot() : nil
            let ordered = runs.sorted { objective.isBetter($0.value, than: $1.value) || ($0.value == $1.value && $0.job < $1.job) }
            let best = objective.mode == .max ? runs.map(\.best).max()! : runs.map(\.best).min()!
            return BestConfig(config: config, value: mean, sd: sd, best: best, epochs: runs.map(\.epochs).max() ?? 0,
                              jobs: ordered.map(\.job))
        }
        // Ties keep the order of their first job, so the ranking never changes between runs.
        return Array(ranked.sorted {
            objective.isBetter($0.value, than: $1.value) || ($0.value == $1.value && $0.jobs[0] < $1.jobs[0])
        }.prefix(top))
    }

    /// `{"job": 12, "config": {...}, "value": 0.93, "sd": 0.01, "n": 3, "best": 0.95, "epochs": 20, "jobs": [...]}`.
    public var json: JSONValue {
        var fields: [String: JSONValue] = [
            "job": .int(Int(jobs[0])), "config": .object(config), "value": .double(value), "n": .int(jobs.count),
            "best": .double(best), "epochs": .int(epochs), "jobs": .array(jobs.map { .int(Int($0)) }),
        ]
        if let sd { fields["sd"] = .double(sd) }
        return .object(fields)
    }
}
