import SweepCore
import Foundation
import SweepSpec

extension ReportInput {
    /// Builds a report's input from a sweep's jobs and its spec.
    ///
    /// The tables are `flagTable` when given (the `sweep report --rows ...` flags), else the
    /// spec's `report` section, else the default table; rows and columns follow the spec's
    /// axis order.
    ///
    /// - Parameters:
    ///   - spec: The sweep's spec as stored, validated again; nil when this binary can no
    ///     longer read it (say, a workload changed): the report then has the default table.
    ///   - jobs: Every job of the sweep, in any state, with the metrics of its ok attempt.
    ///   - flagTable: A table from flags; every param and metric it names must exist in the
    ///     sweep (see `checkNames(of:)`).
    /// - Throws: `ReportSpecError` at the flag that names an unknown param or metric.
    public init(
        sweep: String, specFile: String?, spec: SweepSpec?, jobs: [ReportJob], flagTable: TableSpec?, generatedAt: Date
    ) throws(ReportSpecError) {
        var axisOrder: [String: [ParamValue]] = [:]
        if let spec {
            for axis in spec.grid + spec.zip.joined() {
                axisOrder[axis.param] = axis.values.compactMap(ParamValue.init)
            }
        }
        self.init(
            sweep: sweep, specFile: specFile, generatedAt: generatedAt, jobs: jobs,
            isRunning: jobs.contains { $0.state == .running },
            tables: flagTable.map { [$0] } ?? spec?.report ?? [], axisOrder: axisOrder)
        isSearch = spec?.sample != nil || spec?.objective != nil
        objective = spec?.objective
        logScaleKeys = spec.map(Self.logScaleKeys) ?? []
        if let flagTable { try checkNames(of: flagTable) }
    }

    /// The params drawn on log axes: `log_uniform` ones, and grid or zip axes of three or
    /// more positive numbers whose largest is at least 100 times the smallest.
    public static func logScaleKeys(_ spec: SweepSpec) -> Set<String> {
        var keys = Set<String>()
        for (name, distribution) in spec.sample?.params ?? [] {
            if case .logUniform = distribution { keys.insert(name) }
        }
        for axis in spec.grid + spec.zip.joined() {
            let numbers = axis.values.compactMap { ParamValue($0)?.numericValue }
            guard numbers.count >= 3, numbers.count == axis.values.count, let low = numbers.min(), let high = numbers.max(),
                  low > 0, high >= 100 * low else { continue }
            keys.insert(axis.param)
        }
        return keys
    }

    /// Checks that the params a flag table names are params of the sweep's jobs (or `seed`)
    /// and, once some job is done, that its metrics were recorded (or are `wall_time`), so a
    /// typo is an error with a did-you-mean rather than an empty column.
    ///
    /// - Throws: `ReportSpecError` naming the flag (`--rows`, `--columns`, `--where`, `--metrics`).
    public func checkNames(of table: TableSpec) throws(ReportSpecError) {
        let params = Set(jobs.lazy.flatMap(\.params.keys)).union([TableSpec.seedKey])
        let compared = table.differences.compactMap { difference -> String? in
            if case .param(let key, _, _) = difference { return key }
            return nil
        }
        let comparedMetrics = table.differences.flatMap { difference -> [String] in
            if case .metrics(let metric, let other) = difference { return [metric, other] }
            return []
        }
        for (flag, names) in [("--rows", table.rows), ("--columns", table.columns), ("--where", table.filter.keys.sorted()), ("--difference", compared)] {
            if let unknown = names.first(where: { !params.contains($0) }) {
                throw ReportSpecError(path: flag, message: TableSpec.unknownName(unknown, kind: "parameter", among: Array(params)))
            }
        }
        let done = jobs.filter { $0.state == .done }
        // Metrics are known only from what done jobs recorded.
        guard !done.isEmpty else { return }
        let metrics = Set(done.lazy.flatMap(\.metrics.keys)).union([TableSpec.wallTimeMetric])
        for (flag, names) in [("--metrics", table.metrics), ("--metric-difference", comparedMetrics)] {
            if let unknown = names.first(where: { !metrics.contains($0) }) {
                throw ReportSpecError(path: flag, message: TableSpec.unknownName(unknown, kind: "metric", among: Array(metrics)))
            }
        }
    }
}
