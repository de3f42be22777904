import Foundation
import SweepCore
import SweepReport

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
}
