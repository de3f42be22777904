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
    /// `ranges` is what the search card's brushes select: a JSON object from a varying param
    /// or the objective's metric to `[low, high]` (see `brushed`).
    ///
    /// `state` is a job state or `interrupted`; `q` a text every shown field is searched
    /// for (the config as JSON, host, key, number); `sort` one of `job`, `state`, `host`,
    /// `attempts`, `epoch`, `metric`, `started`, `finished`.
    func jobsPage(_ store: StoreReader, sweep: SweepInfo, query: [String: String]) throws -> JSONValue {
        var page = JobPageQuery()
        page.offset = try Self.integer(query["offset"], name: "offset", default: 0, range: 0...Int(Int32.max))
        page.limit = try Self.integer(query["limit"], name: "limit", default: 100, range: 1...Self.maxPageRows)
        let configs = try configurations(store, sweep: sweep)
        let metrics = try store.metricNames(of: sweep.id)
        page.metric = query["metric"].flatMap { $0.isEmpty ? nil : $0 } ?? configs.mainMetric ?? metrics.first
        if let metric = page.metric, metric.count > 200 { throw DashboardError(.badRequest, "metric: a name of at most 200 characters") }
        if let text = query["q"], !text.isEmpty {
            guard text.count <= 200 else { throw DashboardError(.badRequest, "q: a text of at most 200 characters") }
            page.text = text
        }
        if let text = query["ranges"], !text.isEmpty { try brushed(text, into: &page, store, sweep: sweep, varying: configs.varying) }
        let sort = query["sort"].flatMap { $0.isEmpty ? nil : $0 } ?? "job"
        guard let order = JobPageQuery.Sort(rawValue: sort) else {
            throw DashboardError(.badRequest, "sort: expected one of \(JobPageQuery.Sort.allCases.map(\.rawValue).joined(separator: ", ")); got \"\(sort.prefix(40))\"")
        }
        page.sort = order
        page.descending = query["order"] == "desc"
        let writer = store.writer()
        // Jobs marked running are "interrupted" when no coordinator runs: filter as they are shown.
        if let wanted = query["state"], !wanted.isEmpty {
            guard let state = wanted == "interrupted" ? JobState.running : JobState(rawValue: wanted) else {
                throw DashboardError(.badRequest, "state: expected one of \(JobState.allCases.map(\.rawValue).joined(separator: ", ")), interrupted; got \"\(wanted.prefix(40))\"")
            }
            page.state = state
        }
        let shownAsAsked = page.state != .running || (query["state"] == "interrupted") == (writer == nil)
        let found = shownAsAsked ? try store.jobPage(of: sweep.id, page) : JobPage(matched: 0, jobs: [], latest: [:])
        let progress = writer == nil || !found.jobs.contains(where: { $0.state == .running }) ? [:] : try store.progress(of: sweep.id)
        return [
            "sweep": .string(sweep.name), "metric": page.metric.map(JSONValue.string) ?? .null, "metrics": .array(metrics.map(JSONValue.string)),
            "total": .int(configs.members.reduce(0) { $0 + $1.count }), "matched": .int(found.matched), "offset": .int(page.offset),
            "limit": .int(page.limit), "varying": .array(configs.varying.map(JSONValue.string)),
            "jobs": .array(found.jobs.map { job in
                guard case .object(var object) = JSONOutput.job(job, coordinatorRuns: writer != nil, progress: progress[job.id]) else { return .null }
                object["latest"] = found.latest[job.id].map { ["epoch": .int($0.epoch), "value": $0.value.map(JSONValue.double) ?? .null] } ?? .null
                return .object(object)
            }),
        ]
    }

    /// Ranges `?ranges=` takes at most (its length is bounded by the request target's, 2 KiB).
    static let maxRanges = 20
    /// Values one category selection may list.
    static let maxChoices = 100

    /// Puts `?ranges={"lr": [0.001, 0.01], "loss": [0.2, 0.3], "act": ["relu", "tanh"]}` into
    /// the page's query: a param's range keeps the jobs whose number lies in it, a list of
    /// texts those whose value is one of them; the objective metric's range keeps the done
    /// jobs whose objective value (as `/trials` computes it) does.
    func brushed(_ text: String, into page: inout JobPageQuery, _ store: StoreReader, sweep: SweepInfo, varying: [String]) throws {
        let expected = #"expected a JSON object from a varying param or the objective's metric to [low, high]"#
        guard case .object(let fields)? = try? JSONParser.parse(text) else {
            throw DashboardError(.badRequest, "ranges: \(expected); got \"\(text.prefix(40))\"")
        }
        guard fields.count <= Self.maxRanges else { throw DashboardError(.badRequest, "ranges: at most \(Self.maxRanges) ranges, got \(fields.count)") }
        let spec = try? SweepSpec(document: SpecDocument(file: sweep.specPath, text: sweep.specText), workloads: workloads)
        for key in fields.keys.sorted() {
            if case .array(let items) = fields[key]!, let first = items.first, case .string = first {
                // A category axis's selection: some of a varying param's text values.
                let values = items.compactMap(\.stringValue)
                guard values.count == items.count, values.count <= Self.maxChoices, varying.contains(key), !key.contains("\"") else {
                    throw DashboardError(.badRequest, "ranges: \"\(key.prefix(40))\": expected 1 to \(Self.maxChoices) text values of a param that varies in sweep \"\(sweep.name)\"")
                }
                page.choices.append(ParamChoice(key: key, values: values))
                continue
            }
            guard case .array(let bounds) = fields[key]!, bounds.count == 2, let low = bounds[0].doubleValue, let high = bounds[1].doubleValue,
                  low.isFinite, high.isFinite, low <= high else {
                throw DashboardError(.badRequest, "ranges: \"\(key.prefix(40))\": expected [low, high], two finite numbers with low <= high")
            }
            if let objective = spec?.objective, key == objective.metric, !varying.contains(key) {
                let values = try Trials.objectiveValues(store: store, sweep: sweep, objective: objective)
                let inside = values.filter { (low...high).contains($0.value) }.keys
                page.jobs = inside.sorted()
            } else if varying.contains(key) {
                // SQLite's JSON paths quote each part and cannot escape a quote in one.
                guard !key.contains("\"") else { throw DashboardError(.badRequest, "ranges: cannot filter on a param whose name holds a double quote") }
                page.ranges.append(ParamRange(key: key, low: low, high: high))
            } else {
                throw DashboardError(.badRequest, "ranges: \"\(key.prefix(40))\" is neither a param that varies in sweep \"\(sweep.name)\" nor its objective's metric")
            }
        }
    }

    /// `/api/sweeps/NAME/summary`: what the overview shows beside `list --json`: the hosts
    /// running the sweep's jobs now (with how many each) and, while a coordinator runs it,
    /// an ETA: the jobs left at the mean pace so far, as many at once as run now (as
    /// `status --watch` says).
    func summary(_ store: StoreReader, sweep: SweepInfo) throws -> JSONValue {
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
            // The first launch (status's launched_at is the latest), and each spec revision's.
            "first_launched_at": .string(sweep.createdAt.formatted(.iso8601)),
            "revisions": .array(try store.revisions(of: sweep.id).suffix(Self.maxRevisions).map { revision in
                ["revision": .int(revision.revision), "created_at": .string(revision.createdAt.formatted(.iso8601)), "jobs": .int(revision.jobs)]
            }),
        ]
    }

    /// Spec revisions `/summary` lists at most (the latest).
    static let maxRevisions = 50

    /// A query parameter that must be an integer in `range`.
    static func integer(_ text: String?, name: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text, !text.isEmpty else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw DashboardError(.badRequest, "\(name): expected a whole number from \(range.lowerBound) to \(range.upperBound), got \"\(text.prefix(40))\"")
        }
        return number
    }
}
