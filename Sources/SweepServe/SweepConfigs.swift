import SweepCore
import SweepReport
import SweepSpec
import SweepStore

/// A sweep's configurations: its jobs grouped by config without the seed, in spec order,
/// with the params that vary among them and the sweep's main metric. Computed once per
/// spec revision (`SweepInfo.planHash`): a job's config never changes.
struct SweepConfigs: Sendable {
    /// Dotted param names whose values differ among the jobs, seed excluded.
    let varying: [String]
    /// Per configuration: its jobs (the seeds), its label (`lr=0.1, width=64`, or `all`)
    /// and its varying params' values.
    let members: [[Int64]]
    let labels: [String]
    let values: [JSONValue]
    /// The first metric of the spec's first report table, or nil.
    let mainMetric: String?

    init(sweep: SweepInfo, groups: [(config: JobConfig, jobs: [Int64])], workloads: [any Workload.Type]) {
        var names = Set<String>()
        for group in groups { names.formUnion(group.config.values.keys) }
        let first = groups.first?.config
        let varying = names.sorted().filter { name in groups.contains { $0.config[name] != first?[name] } }
        self.varying = varying
        members = groups.map(\.jobs)
        labels = groups.map { group in
            varying.isEmpty ? "all" : varying.map { "\($0)=\(group.config[$0]?.displayText ?? "-")" }.joined(separator: ", ")
        }
        values = groups.map { group in .object(Dictionary(uniqueKeysWithValues: varying.map { ($0, group.config[$0] ?? .null) })) }
        let spec = try? SweepSpec(document: SpecDocument(file: sweep.specPath, text: sweep.specText), workloads: workloads)
        // The objective, as every figure of the report shows it; else the report's first metric.
        mainMetric = spec?.objective?.metric ?? spec?.report.first?.metrics.first
    }
}
