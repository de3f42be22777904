import SweepCore
import Foundation

extension ReportInput {
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
