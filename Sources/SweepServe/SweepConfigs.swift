import SweepCore
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

    init(sweep: SweepInfo, jobs: [StoredJob], workloads: [any Workload.Type]) {
        var names = Set<String>()
        for job in jobs { names.formUnion(job.config.values.keys) }
        names.remove("seed")
        let first = jobs.first
        varying = names.sorted().filter { name in jobs.contains { $0.config[name] != first?.config[name] } }
        var index: [[JSONValue?]: Int] = [:]
        var members: [[Int64]] = [], labels: [String] = [], values: [JSONValue] = []
        for job in jobs {
            let key = varying.map { job.config[$0] }
            if let slot = index[key] {
                members[slot].append(job.id)
                continue
            }
            index[key] = members.count
            members.append([job.id])
            labels.append(varying.isEmpty ? "all" : varying.map { "\($0)=\(job.config[$0]?.displayText ?? "-")" }.joined(separator: ", "))
            values.append(.object(Dictionary(uniqueKeysWithValues: varying.map { ($0, job.config[$0] ?? .null) })))
        }
        (self.members, self.labels, self.values) = (members, labels, values)
        let spec = try? SweepSpec(document: SpecDocument(file: sweep.specPath, text: sweep.specText), workloads: workloads)
        mainMetric = spec?.report.first?.metrics.first
    }
}
