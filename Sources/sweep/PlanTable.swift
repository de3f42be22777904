import SweepSpec
import SweepCore

/// The `--dry-run` listing: how many jobs, and what varies between them.
enum PlanTable {
    static func render(_ plan: SweepPlan) -> String {
        let spec = plan.spec
        var header = "sweep \(spec.name) (\(spec.workload.name)): \(plan.jobs.count) jobs = "
            + "\(plan.jobs.count / spec.seeds.count) configs x \(spec.seeds.count) seeds"
        if plan.duplicates > 0 { header += "; \(plan.duplicates) duplicate configs dropped" }
        if plan.excluded > 0 { header += "; \(plan.excluded) excluded" }
        let headers = ["#"] + plan.varying + ["seed", "key"]
        let rows = plan.jobs.enumerated().map { index, job in
            ["\(index)"] + plan.varying.map { job.config[$0]?.displayText ?? "" }
                + [job.config["seed"]?.displayText ?? "", String(job.key.prefix(12))]
        }
        return header + "\n" + TextTable.render(headers: headers, rows: rows)
    }
}
