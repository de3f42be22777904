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
    /// Stopped jobs' curves drawn per configuration at most (as the report's figures).
    static let maxStoppedCurves = 20

    /// `/api/sweeps/NAME/curves?metric=M&show=0,3`: the sweep's configurations (its jobs
    /// grouped by config without the seed, in spec order) and, for those in `show` (default:
    /// the first 8), the metric's mean and sample sd per epoch across the seeds that are done
    /// or running (a running seed counts with the epochs it has reported: the curve grows
    /// while the sweep runs), and the curves of its seeds a stop rule stopped (`stopped`, at
    /// most `maxStoppedCurves`, each ending where it stopped: the page draws them dashed).
    /// Past `maxPointsPerCurve` epochs (fewer when many curves are shown) a curve is
    /// downsampled like a job's metrics, and says so.
    func curves(_ store: StoreReader, sweep: SweepInfo, query: [String: String]) throws -> JSONValue {
        let configs = try configurations(store, sweep: sweep)
        let metrics = try store.metricNames(of: sweep.id)
        guard let metric = query["metric"].flatMap({ $0.isEmpty ? nil : $0 }) ?? configs.mainMetric ?? metrics.first else {
            return ["sweep": .string(sweep.name), "metric": .null, "metrics": [], "varying": [], "config_count": 0, "configs": [], "curves": []]
        }
        guard metric.count <= 200 else { throw DashboardError(.badRequest, "metric: a name of at most 200 characters") }
        let shown: [Int]
        if let text = query["show"], !text.isEmpty {
            let parts = text.split(separator: ",", omittingEmptySubsequences: false)
            guard parts.count <= Self.maxShownCurves else { throw DashboardError(.badRequest, "show: at most \(Self.maxShownCurves) configurations") }
            shown = try parts.map { part in
                guard let number = Int(part), configs.members.indices.contains(number) else {
                    throw DashboardError(.badRequest, "show: expected configuration numbers from 0 to \(configs.members.count - 1), got \"\(part.prefix(20))\"")
                }
                return number
            }
        } else {
            shown = try defaultCurves(store, sweep: sweep, configs: configs)
        }
        // Only the shown configurations' seeds are read, epoch by epoch, each curve thinned
        // as it streams (see `CurveThinning`): an answer is bounded whatever the epochs.
        let points = max(Self.minPointsPerCurve, min(Self.maxPointsPerCurve, Self.maxPointsPerAnswer / max(1, shown.count)))
        let curves: [JSONValue] = try shown.compactMap { slot in
            let mean = try curve(store, jobs: configs.members[slot], metric: metric, maxPoints: points)
            let stopped = try stoppedCurves(store, jobs: configs.members[slot], metric: metric, maxPoints: points)
            guard mean != nil || !stopped.isEmpty else { return nil }
            return [
                "index": .int(slot), "label": .string(configs.labels[slot]), "seeds": .int(mean?.seeds ?? 0),
                "epochs": .array((mean?.thinning.epochs ?? []).map { .int($0) }),
                "mean": .array((mean?.thinning.values ?? []).map { $0.map(Self.number) ?? .null }),
                "sd": .array((mean?.thinning.extras ?? []).map { $0.map(Self.number) ?? .null }),
                "count": .int(mean?.epochs ?? 0), "downsampled": .bool(mean?.thinning.isThinned ?? false),
                "stopped": .array(stopped),
            ]
        }
        return [
            "sweep": .string(sweep.name), "metric": .string(metric), "metrics": .array(metrics.map(JSONValue.string)),
            "varying": .array(configs.varying.map(JSONValue.string)), "config_count": .int(configs.members.count),
            "configs": .array(configs.members.indices.prefix(Self.maxListedConfigs).map { slot in
                ["index": .int(slot), "label": .string(configs.labels[slot]), "config": configs.values[slot], "jobs": .int(configs.members[slot].count)]
            }),
            "curves": .array(curves),
        ]
    }

    /// Curves shown when the page picks none: a few, so their sd bands stay readable.
    static let defaultCurveCount = 3

    /// The configurations shown by default: the best `defaultCurveCount` by the spec's
    /// objective (as `sweep best` ranks them), then the first ones in spec order to make up
    /// the count (a stop rule may leave fewer configurations with a done job: the others'
    /// stopped seeds are worth seeing beside the best).
    private func defaultCurves(_ store: StoreReader, sweep: SweepInfo, configs: SweepConfigs) throws -> [Int] {
        let spec = try? SweepSpec(document: SpecDocument(file: sweep.specPath, text: sweep.specText), workloads: workloads)
        guard let objective = spec?.objective else { return Array(configs.members.indices.prefix(Self.defaultCurveCount)) }
        var slotOfJob: [Int64: Int] = [:]
        for (slot, members) in configs.members.enumerated() {
            for job in members { slotOfJob[job] = slot }
        }
        var shown: [Int] = []
        for best in try BestConfig.rank(store: store, sweep: sweep, objective: objective, top: Self.defaultCurveCount) {
            if let slot = best.jobs.lazy.compactMap({ slotOfJob[$0] }).first, !shown.contains(slot) { shown.append(slot) }
        }
        return shown + configs.members.indices.filter { !shown.contains($0) }.prefix(max(0, Self.defaultCurveCount - shown.count))
    }

    /// Points one curve of `/api/jobs/ID/metrics` carries at most.
    static let maxPointsPerCurve = 2_000
    /// Points one `/api/jobs/ID/metrics` answer carries at most, over all its curves: a job
    /// with many metrics gets fewer points per curve (but at least `minPointsPerCurve`).
    static let maxPointsPerAnswer = 40_000
    static let minPointsPerCurve = 8
    /// Metrics one `/api/jobs/ID/metrics` answer carries at most (the first by name).
    static let maxMetricsPerAnswer = 1_000

    /// One configuration's curve of `metric`: the mean and sample sd across its seeds per
    /// epoch (NaN sd with one seed, NaN mean where a seed recorded NaN), thinned to
    /// `maxPoints`; nil when no seed has a value. What is held is one epoch's values.
    private func curve(_ store: StoreReader, jobs: [Int64], metric: String, maxPoints: Int)
        throws -> (thinning: CurveThinning, seeds: Int, epochs: Int)? {
        var thinning = CurveThinning(count: 0, maxPoints: maxPoints)
        var epochs = 0
        var seeds = Set<Int64>()
        var epoch: Int?
        var values: [Double] = []
        func close() {
            guard let epoch, !values.isEmpty else { return }
            let mean = values.reduce(0, +) / Double(values.count)
            let sd = values.count > 1 ? (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)).squareRoot() : Double.nan
            thinning.add(epoch: epoch, value: mean, extra: sd)
            values.removeAll(keepingCapacity: true)
        }
        try store.forEachMetricByEpoch(ofJobs: jobs, named: metric, epochs: { count in
            epochs = count
            thinning = CurveThinning(count: count, maxPoints: maxPoints)
        }) { job, rowEpoch, value in
            if rowEpoch != epoch {
                close()
                epoch = rowEpoch
            }
            seeds.insert(job)
            values.append(value ?? .nan)
        }
        close()
        thinning.finish()
        return seeds.isEmpty ? nil : (thinning, seeds.count, epochs)
    }

    /// A configuration's stopped seeds (the first `maxStoppedCurves`), each its stopped
    /// run's curve of `metric`, thinned as it streams: `maxPoints` shared among them, as
    /// many as the configuration's mean curve has.
    private func stoppedCurves(_ store: StoreReader, jobs: [Int64], metric: String, maxPoints: Int) throws -> [JSONValue] {
        var curves: [Int64: CurveThinning] = [:]
        try store.forEachStoppedMetric(ofJobs: jobs, named: metric, limit: Self.maxStoppedCurves, counts: { counts in
            let each = max(Self.minPointsPerCurve, maxPoints / max(1, counts.count))
            for (job, count) in counts { curves[job] = CurveThinning(count: count, maxPoints: each) }
        }) { job, epoch, value in
            curves[job]?.add(epoch: epoch, value: value)
        }
        return curves.keys.sorted().map { job in
            var curve = curves[job]!
            curve.finish()
            return [
                "job": .int(Int(job)), "epochs": .array(curve.epochs.map { .int($0) }),
                "values": .array(curve.values.map { $0.map(Self.number) ?? .null }), "downsampled": .bool(curve.isThinned),
            ]
        }
    }

    /// `/api/jobs/ID/metrics`: every metric of the job's counting attempt (the ok one, else
    /// the latest) per epoch. Streamed from the store and thinned as it comes (see
    /// `CurveThinning`), so an answer is at most `maxPointsPerAnswer` points whatever the
    /// job's length: a thinned curve says `"downsampled": true` and how many values it has
    /// (`count`), and keeps its first and last points and each bucket's lowest and highest.
    func jobMetrics(_ store: StoreReader, job: StoredJob, pointBudget: Int = maxPointsPerAnswer) throws -> JSONValue {
        let attempt = job.okAttempt ?? job.attempts
        var curves: [String: CurveThinning] = [:]
        var counts: [String: Int] = [:]
        try store.forEachMetric(ofJob: job.id, attempt: attempt, counts: { byName in
            counts = byName
            let names = byName.keys.sorted().prefix(Self.maxMetricsPerAnswer)
            let points = max(Self.minPointsPerCurve, min(Self.maxPointsPerCurve, pointBudget / max(1, names.count)))
            for name in names { curves[name] = CurveThinning(count: byName[name]!, maxPoints: points) }
        }) { epoch, name, value in
            curves[name]?.add(epoch: epoch, value: value)
        }
        var metrics: [String: JSONValue] = [:]
        for (name, var curve) in curves {
            curve.finish()
            metrics[name] = [
                "epochs": .array(curve.epochs.map { .int($0) }), "values": .array(curve.values.map { $0.map(Self.number) ?? .null }),
                "count": .int(counts[name] ?? 0), "downsampled": .bool(curve.isThinned),
            ]
        }
        return [
            "job": .int(Int(job.id)), "attempt": .int(attempt), "metrics": .object(metrics),
            "metrics_omitted": .int(counts.count - curves.count),
        ]
    }

    /// `/api/sweeps/NAME/report`: the report's tables as report.md has them (see `Report.tablesJSON`).
    func report(_ store: StoreReader, sweep: SweepInfo) throws -> JSONValue {
        Report(try ReportLoader.input(store: store, sweep: sweep, workloads: workloads)).tablesJSON()
    }

    /// A number, or null for NaN and infinities (JSON has neither).
    static func number(_ value: Double) -> JSONValue { value.isFinite ? .double(value) : .null }
}
