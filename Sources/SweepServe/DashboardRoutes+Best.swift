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
    func best(_ store: Store, sweep: SweepInfo, query: [String: String]) throws -> JSONValue {
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
    func trials(_ store: Store, sweep: SweepInfo) throws -> JSONValue {
        let spec = try? SweepSpec(document: SpecDocument(file: sweep.specPath, text: sweep.specText), workloads: workloads)
        guard let spec, let objective = spec.objective else { return ["objective": .null] }
        guard case .object(var fields) = try Trials(store: store, sweep: sweep, objective: objective).json else { return ["objective": .null] }
        fields["objective"] = ["metric": .string(objective.metric), "mode": .string(objective.mode.rawValue)]
        fields["log"] = .array(ReportInput.logScaleKeys(spec).sorted().map(JSONValue.string))
        return .object(fields)
    }
}
