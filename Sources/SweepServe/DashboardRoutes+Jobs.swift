import Foundation
import SweepCore
import SweepSpec
import SweepStore
import SweepViews

extension DashboardRoutes {
    /// Rows per page of `/api/sweeps/NAME/jobs` at most.
    static let maxPageRows = 500

    /// `/api/sweeps/NAME/jobs?offset=&limit=&state=&q=&sort=&order=&metric=`: one page of
    /// the sweep's jobs, filtered and sorted, each as `status --json` shows it plus `latest`,
    /// the job's latest value of the metric (`{"epoch", "value"}`, from its counting attempt).
    ///
    /// `state` is a job state or `interrupted`; `q` a text every shown field is searched
    /// for (the config as JSON, host, key, number); `sort` one of `job`, `state`, `host`,
    /// `attempts`, `epoch`, `metric`, `started`, `finished`.
    func jobsPage(_ store: Store, sweep: SweepInfo, query: [String: String]) throws -> JSONValue {
        let offset = try Self.integer(query["offset"], name: "offset", default: 0, range: 0...Int(Int32.max))
        let limit = try Self.integer(query["limit"], name: "limit", default: 100, range: 1...Self.maxPageRows)
        let metrics = try store.metricNames(of: sweep.id)
        let metric = query["metric"].flatMap { $0.isEmpty ? nil : $0 } ?? mainMetric(of: sweep) ?? metrics.first
        if let metric, metric.count > 200 { throw DashboardError(.badRequest, "metric: a name of at most 200 characters") }
        let writer = store.writer()
        let jobs = try store.jobs(of: sweep.id)
        let latest = try metric.map { try store.latest($0, of: sweep.id) } ?? [:]
        let progress = writer == nil ? [:] : try store.progress(of: sweep.id)
        func state(_ job: StoredJob) -> String { job.state == .running && writer == nil ? "interrupted" : job.state.rawValue }

        var rows = jobs
        if let wanted = query["state"], !wanted.isEmpty {
            guard JobState(rawValue: wanted) != nil || wanted == "interrupted" else {
                throw DashboardError(.badRequest, "state: expected one of \(JobState.allCases.map(\.rawValue).joined(separator: ", ")), interrupted; got \"\(wanted.prefix(40))\"")
            }
            rows = rows.filter { state($0) == wanted }
        }
        if let text = query["q"]?.lowercased(), !text.isEmpty {
            guard text.count <= 200 else { throw DashboardError(.badRequest, "q: a text of at most 200 characters") }
            rows = rows.filter { job in
                "\(job.id) \(job.key) \(job.host ?? "") \(job.config.nested.canonicalText)".lowercased().contains(text)
            }
        }
        let sort = query["sort"] ?? "job"
        let order: (Int64, Int64) -> Bool
        switch sort {
        case "job": order = { $0 < $1 }
        default:
            let byID = Dictionary(uniqueKeysWithValues: rows.map { ($0.id, $0) })
            func key(_ id: Int64) -> SortKey {
                let job = byID[id]!
                switch sort {
                case "state": return .text(state(job))
                case "host": return .text(job.host ?? "")
                case "attempts": return .number(Double(job.attempts))
                case "epoch": return .number(Double(latest[id]?.epoch ?? progress[id]?.epoch ?? -1))
                case "metric": return latest[id]?.value.map(SortKey.number) ?? .none
                case "started": return job.startedAt.map { .number($0.timeIntervalSince1970) } ?? .none
                default: return job.finishedAt.map { .number($0.timeIntervalSince1970) } ?? .none
                }
            }
            guard ["state", "host", "attempts", "epoch", "metric", "started", "finished"].contains(sort) else {
                throw DashboardError(.badRequest, "sort: expected job, state, host, attempts, epoch, metric, started or finished; got \"\(sort.prefix(40))\"")
            }
            let keys = Dictionary(uniqueKeysWithValues: rows.map { ($0.id, key($0.id)) })
            order = { a, b in keys[a]! == keys[b]! ? a < b : keys[a]! < keys[b]! }
        }
        let descending = query["order"] == "desc"
        rows.sort { descending ? order($1.id, $0.id) : order($0.id, $1.id) }

        let page = rows.dropFirst(offset).prefix(limit)
        return [
            "sweep": .string(sweep.name), "metric": metric.map(JSONValue.string) ?? .null, "metrics": .array(metrics.map(JSONValue.string)),
            "total": .int(jobs.count), "matched": .int(rows.count), "offset": .int(offset), "limit": .int(limit),
            "varying": .array(Self.varying(jobs).map(JSONValue.string)),
            "jobs": .array(page.map { job in
                guard case .object(var object) = JSONOutput.job(job, coordinatorRuns: writer != nil, progress: progress[job.id]) else { return .null }
                object["latest"] = latest[job.id].map { ["epoch": .int($0.epoch), "value": $0.value.map(JSONValue.double) ?? .null] } ?? .null
                return .object(object)
            }),
        ]
    }

    /// `/api/sweeps/NAME/summary`: what the overview shows beside `list --json`: the hosts
    /// running the sweep's jobs now (with how many each) and, while a coordinator runs it,
    /// an ETA: the jobs left at the mean pace so far, as many at once as run now (as
    /// `status --watch` says).
    func summary(_ store: Store, sweep: SweepInfo) throws -> JSONValue {
        let writer = store.writer()
        let counts = try store.counts(of: sweep.id)
        var hosts: [String: Int] = [:]
        if writer != nil {
            for job in try store.jobs(of: sweep.id, states: [.running]) { hosts[job.host ?? "?", default: 0] += 1 }
        }
        var eta: JSONValue = .null
        if writer?.sweep == sweep.name, counts.pending + counts.running > 0, let mean = try store.meanJobSeconds(of: sweep.id) {
            eta = .double((mean * Double(counts.pending + counts.running) / Double(max(1, counts.running))).rounded())
        }
        return [
            "sweep": .string(sweep.name), "counts": JSONOutput.stateCounts(counts), "running": .bool(writer?.sweep == sweep.name),
            "hosts": .array(hosts.keys.sorted().map { ["name": .string($0), "running": .int(hosts[$0]!)] }),
            "eta_seconds": eta,
        ]
    }

    /// The config keys (dotted) whose values differ among the jobs, seed excluded: the
    /// columns worth showing.
    static func varying(_ jobs: [StoredJob]) -> [String] {
        guard let first = jobs.first else { return [] }
        var names = Set(first.config.values.keys)
        for job in jobs.dropFirst() { names.formUnion(job.config.values.keys) }
        names.remove("seed")
        return names.sorted().filter { name in
            let value = first.config[name]
            return jobs.contains { $0.config[name] != value }
        }
    }

    /// The sweep's main metric: the first of its spec's first report table, or nil.
    func mainMetric(of sweep: SweepInfo) -> String? {
        let spec = try? SweepSpec(document: SpecDocument(file: sweep.specPath, text: sweep.specText), workloads: workloads)
        return spec?.report.first?.metrics.first
    }

    /// A query parameter that must be an integer in `range`.
    static func integer(_ text: String?, name: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text, !text.isEmpty else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw DashboardError(.badRequest, "\(name): expected a whole number from \(range.lowerBound) to \(range.upperBound), got \"\(text.prefix(40))\"")
        }
        return number
    }
}

/// What jobs sort by: text, a number, or nothing (sorted last).
enum SortKey: Comparable {
    case text(String)
    case number(Double)
    case none
}
