import SweepCore
import SweepReport
import SweepSpec
import SweepStore
import SweepViews

extension DashboardRoutes {
    /// Configurations listed at most by `/best`, whatever `?top=` asks.
    static let maxBest = 100

    /// `/api/sweeps/NAME/best?top=K`: the sweep's best configurations by its spec's objective,
    /// as `sweep best --json` prints them (the first is the best run), under
    /// `{"objective": {"metric", "mode"}, "best": [...]}`; `{"objective": null, "best": []}`
    /// for a sweep without one. K is 1 to 100 (default 5).
    func best(_ store: StoreReader, sweep: SweepInfo, query: [String: String]) throws -> JSONValue {
        var top = 5
        if let text = query["top"] {
            guard let asked = Int(text), (1...Self.maxBest).contains(asked) else {
                throw DashboardError(.badRequest, "top must be a whole number from 1 to \(Self.maxBest)")
            }
            top = asked
        }
        let spec = try? SweepSpec(document: SpecDocument(file: sweep.specPath, text: sweep.specText), workloads: workloads)
        guard let objective = spec?.objective else { return ["objective": .null, "best": .array([])] }
        let ranked = try BestConfig.rank(store: store, sweep: sweep, objective: objective, top: top)
        return [
            "objective": ["metric": .string(objective.metric), "mode": .string(objective.mode.rawValue)],
            "best": .array(ranked.map(\.json)),
        ]
    }
}

extension DashboardRoutes {
    /// `/api/sweeps/NAME/trials`: a search's done jobs for the parallel coordinates, scatter
    /// and history (`Trials`: at most 1,000 jobs and 1,000 history points, whatever the
    /// sweep's size), with the params drawn on log axes; `{"objective": null}` for a sweep
    /// without an objective.
    func trials(_ store: StoreReader, sweep: SweepInfo) throws -> JSONValue {
        let spec = try? SweepSpec(document: SpecDocument(file: sweep.specPath, text: sweep.specText), workloads: workloads)
        guard let spec, let objective = spec.objective else { return ["objective": .null] }
        guard case .object(var fields) = try Trials(store: store, sweep: sweep, objective: objective).json else { return ["objective": .null] }
        fields["objective"] = ["metric": .string(objective.metric), "mode": .string(objective.mode.rawValue)]
        fields["log"] = .array(ReportInput.logScaleKeys(spec).sorted().map(JSONValue.string))
        return .object(fields)
    }
}

extension DashboardRoutes {
    /// Jobs `/compare` takes at once.
    static let compareRange = 2...5

    /// `/api/sweeps/NAME/compare?jobs=3,7,12`: two to five jobs of the sweep side by side: the
    /// config params that differ between them and those they share, each job's state, final
    /// metrics (each metric's value at its last epoch) and curves (as `/api/jobs/ID/metrics`,
    /// with a fifth of its points each, so the answer is no bigger than one job's).
    func compare(_ store: StoreReader, sweep: SweepInfo, query: [String: String]) throws -> JSONValue {
        let parts = (query["jobs"] ?? "").split(separator: ",", omittingEmptySubsequences: false)
        guard Self.compareRange.contains(parts.count) else {
            throw DashboardError(.badRequest, "jobs: expected 2 to 5 job numbers separated by commas")
        }
        var jobs: [StoredJob] = []
        for part in parts {
            guard let number = Int64(part), let job = try store.job(String(number)), try store.sweep(sweep.id, contains: job.id) else {
                throw DashboardError(.notFound, "jobs: no job \(part.prefix(20)) in sweep \"\(sweep.name)\"")
            }
            guard !jobs.contains(where: { $0.id == job.id }) else { throw DashboardError(.badRequest, "jobs: job \(number) is named twice") }
            jobs.append(job)
        }
        let keys = Set(jobs.flatMap { $0.config.values.keys }).sorted()
        let differing = keys.filter { key in Set(jobs.map { $0.config.values[key] }).count > 1 }
        let entries: [JSONValue] = try jobs.map { job in
            let metrics = try jobMetrics(store, job: job, pointBudget: Self.maxPointsPerAnswer / Self.compareRange.upperBound)
            var final: [String: JSONValue] = [:]
            if case .object(let fields) = metrics, case .object(let curves)? = fields["metrics"] {
                for (name, curve) in curves {
                    if case .object(let parts) = curve, case .array(let values)? = parts["values"], let last = values.last { final[name] = last }
                }
            }
            return [
                "job": .int(Int(job.id)), "state": .string(job.state.rawValue), "config": .object(job.config.values),
                "final": .object(final), "metrics": metrics,
            ]
        }
        return [
            "sweep": .string(sweep.name), "differing": .array(differing.map(JSONValue.string)),
            "same": .array(keys.filter { !differing.contains($0) }.map(JSONValue.string)), "jobs": .array(entries),
        ]
    }
}
