import SweepSpec
import SweepCore

/// The `--dry-run` listing: how many jobs, and what varies between them.
enum PlanTable {
    /// - Parameter ids: the store's numbers of jobs it already has, the numbers `status`,
    ///   `logs` and `job` use: a `#` column shows them (`new` for the others) once the
    ///   store has any. Before that, jobs are named by their key's first characters.
    static func render(_ plan: SweepPlan, ids: [String: Int64] = [:]) -> String {
        let spec = plan.spec
        if let search = plan.search { return render(search, spec: spec) }
        var header = "sweep \(spec.name) (\(spec.workload.name)): \(plan.jobs.count) jobs = "
            + "\(plan.jobs.count / spec.seeds.count) configs x \(spec.seeds.count) seeds"
        if plan.duplicates > 0 { header += "; \(plan.duplicates) duplicate configs dropped" }
        if plan.excluded > 0 { header += "; \(plan.excluded) excluded" }
        let numbered = !ids.isEmpty
        let headers = (numbered ? ["#"] : []) + plan.varying + ["seed", "key"]
        // Each varying column rounded as a whole (sampled reals carry 17 digits).
        let columns = plan.varying.map { name in JSONValue.displayTexts(plan.jobs.map { $0.config[name] }) }
        let rows = plan.jobs.indices.map { index -> [String] in
            let job = plan.jobs[index]
            var row: [String] = []
            if numbered { row.append(ids[job.key].map { String($0) } ?? "new") }
            row += columns.map { $0[index] }
            return row + [job.config["seed"]?.displayText ?? "", String(job.key.prefix(12))]
        }
        // The rungs of the longest job, when the workload has an epoch count.
        let decisions = self.decisions(spec, epochs: plan.jobs.compactMap { $0.config["epochs"]?.intValue }.max())
        return header + "\n" + decisions + TextTable.render(headers: headers, rows: rows)
    }

    /// A model-based search: what it will do. Its trials depend on the results, so unlike a
    /// grid they cannot be listed before it runs.
    static func render(_ search: SearchPlan, spec: SweepSpec) -> String {
        let sample = search.sample
        let header = "sweep \(spec.name) (\(spec.workload.name)): a \(sample.method.rawValue) search of \(sample.count) trials, "
            + "the first \(min(sample.startup, sample.count)) at random, seed \(sample.seed)"
            + (sample.multivariate ? ", parameters modelled jointly" : ", each parameter modelled on its own") + "\n"
            + "(each trial is proposed from the results so far, so the trials cannot be listed before the sweep runs)\n"
        let rows = sample.params.map { [$0.name, $0.distribution.text] }
        return header + decisions(spec, epochs: search.template["epochs"]?.intValue)
            + TextTable.render(headers: ["parameter", "distribution"], rows: rows)
    }

    /// The objective and the stop rule's rungs, a line each.
    private static func decisions(_ spec: SweepSpec, epochs: Int?) -> String {
        var decisions = ""
        if let objective = spec.objective { decisions += "objective: \(objective.description)\n" }
        if let stop = spec.stop {
            let rungs = epochs.map { maxEpochs in
                (0..<stop.brackets).map { bracket in
                    stop.rungs(bracket: bracket, maxEpochs: maxEpochs).map(String.init).joined(separator: ", ")
                }
            }
            decisions += "stop: \(stop.description)"
            if stop.rule != .median, let rungs {
                decisions += rungs.count == 1 ? "; rungs at epochs \(rungs[0])" : "; rungs at epochs " + rungs.map { "[\($0)]" }.joined(separator: " ")
            }
            decisions += "\n"
        }
        return decisions
    }
}
