import Foundation
import SweepCore
import SweepReport
import SweepSpec
import SweepStore
import SweepViews

extension DashboardRoutes {
    /// Configurations listed by `/curves` at most (`config_count` says how many there are).
    static let maxListedConfigs = 500
    /// Curves one `/curves` answer carries at most.
    static let maxShownCurves = 50

    /// `/api/sweeps/NAME/curves?metric=M&show=0,3`: the sweep's configurations (its jobs
    /// grouped by config without the seed, in spec order) and, for those in `show` (default:
    /// the first 8), the metric's mean and sample sd across the seeds' done jobs per epoch.
    func curves(_ store: Store, sweep: SweepInfo, query: [String: String]) throws -> JSONValue {
        let metrics = try store.metricNames(of: sweep.id)
        guard let metric = query["metric"].flatMap({ $0.isEmpty ? nil : $0 }) ?? mainMetric(of: sweep) ?? metrics.first else {
            return ["sweep": .string(sweep.name), "metric": .null, "metrics": [], "varying": [], "config_count": 0, "configs": [], "curves": []]
        }
        guard metric.count <= 200 else { throw DashboardError(.badRequest, "metric: a name of at most 200 characters") }
        let jobs = try store.jobs(of: sweep.id)
        let varying = Self.varying(jobs)
        // Configurations in spec order: the first job of each names it.
        var index: [String: Int] = [:]
        var members: [[Int64]] = []
        var labels: [String] = []
        var values: [JSONValue] = []
        for job in jobs {
            let key = varying.map { job.config[$0]?.canonicalText ?? "-" }.joined(separator: "\u{1F}")
            if let slot = index[key] {
                members[slot].append(job.id)
            } else {
                index[key] = members.count
                members.append([job.id])
                labels.append(varying.isEmpty ? "all" : varying.map { "\($0)=\(job.config[$0]?.displayText ?? "-")" }.joined(separator: ", "))
                values.append(.object(Dictionary(uniqueKeysWithValues: varying.map { ($0, job.config[$0] ?? .null) })))
            }
        }
        let shown: [Int]
        if let text = query["show"], !text.isEmpty {
            let parts = text.split(separator: ",", omittingEmptySubsequences: false)
            guard parts.count <= Self.maxShownCurves else { throw DashboardError(.badRequest, "show: at most \(Self.maxShownCurves) configurations") }
            shown = try parts.map { part in
                guard let number = Int(part), members.indices.contains(number) else {
                    throw DashboardError(.badRequest, "show: expected configuration numbers from 0 to \(members.count - 1), got \"\(part.prefix(20))\"")
                }
                return number
            }
        } else {
            shown = Array(members.indices.prefix(8))
        }
        var wanted: [Int64: Int] = [:]
        for slot in shown { for job in members[slot] { wanted[job] = slot } }
        var collector = MetricSeriesCollector()
        try store.forEachOkMetric(of: sweep.id, named: metric) { job, name, epoch, value in
            if wanted[job] != nil { collector.add(job: job, name: name, epoch: epoch, value: value) }
        }
        let series = collector.finish()
        let curves: [JSONValue] = shown.compactMap { slot in
            let seeds = members[slot].compactMap { series[$0]?[metric] }
            guard let curve = LearningCurve(seeds: seeds) else { return nil }
            return [
                "index": .int(slot), "label": .string(labels[slot]), "seeds": .int(curve.seeds),
                "epochs": .array(curve.epochs.map { .int(Int($0)) }), "mean": .array(curve.means.map(Self.number)),
                "sd": .array(curve.sds.map(Self.number)),
            ]
        }
        return [
            "sweep": .string(sweep.name), "metric": .string(metric), "metrics": .array(metrics.map(JSONValue.string)),
            "varying": .array(varying.map(JSONValue.string)), "config_count": .int(members.count),
            "configs": .array(members.indices.prefix(Self.maxListedConfigs).map { slot in
                ["index": .int(slot), "label": .string(labels[slot]), "config": values[slot], "jobs": .int(members[slot].count)]
            }),
            "curves": .array(curves),
        ]
    }

    /// `/api/jobs/ID/metrics`: every metric of the job's counting attempt (the ok one, else
    /// the latest) per epoch.
    func jobMetrics(_ store: Store, job: StoredJob) throws -> JSONValue {
        let attempt = job.okAttempt ?? job.attempts
        var series: [String: (epochs: [JSONValue], values: [JSONValue])] = [:]
        for row in try store.metrics(of: job.id) where row.attempt == attempt {
            series[row.name, default: ([], [])].epochs.append(.int(row.epoch))
            series[row.name, default: ([], [])].values.append(Self.number(row.value))
        }
        return [
            "job": .int(Int(job.id)), "attempt": .int(attempt),
            "metrics": .object(series.mapValues { ["epochs": .array($0.epochs), "values": .array($0.values)] }),
        ]
    }

    /// `/api/sweeps/NAME/report`: the report's tables as report.md has them (see `Report.tablesJSON`).
    func report(_ store: Store, sweep: SweepInfo) throws -> JSONValue {
        Report(try ReportLoader.input(store: store, sweep: sweep, workloads: workloads)).tablesJSON()
    }

    /// A number, or null for NaN and infinities (JSON has neither).
    static func number(_ value: Double) -> JSONValue { value.isFinite ? .double(value) : .null }
}
