import Foundation
import SweepCore

/// Everything a report is rendered from; the caller loads it from the store and the spec.
public struct ReportInput: Sendable {
    /// The sweep's name; also the `sweep` column of `metrics.csv`.
    public var sweep: String
    /// The spec file the sweep was launched from, shown in the header.
    public var specFile: String?
    /// The "generated at" time printed in the header (injected so output is reproducible).
    public var generatedAt: Date
    /// All jobs of the sweep, in any state.
    public var jobs: [ReportJob]
    /// Whether the sweep is still running (the report then says its numbers are partial).
    public var isRunning: Bool
    /// Tables to render; empty means the default table (one row per configuration).
    public var tables: [TableSpec]
    /// Declared value order per param (the spec's axis lists); rows and columns follow it,
    /// values not listed come after in natural order.
    public var axisOrder: [String: [ParamValue]]
    /// Where the spec revision came from (`git 1a2b3c4d5e6f, tree dirty: not checked`), shown
    /// in the header; nil outside a repository.
    public var specSource: String?
    /// What produced the done jobs, one entry per host and binary (`local (Debian 12, ..., sweep 0.1.0 3f2a…)`).
    public var producedBy: [String] = []
    /// Whether the sweep searches (a `sample` section or an `objective`): its report then also
    /// plots the optimisation history.
    public var isSearch = false
    /// The sweep's objective: the main metric of tables that list every metric, and the
    /// direction of tables it leads.
    public var objective: Objective?
    /// Params whose plot axes are logarithmic: drawn `log_uniform`, or a grid axis of positive
    /// values spanning two decades or more (learning rates); only while every value is positive.
    public var logScaleKeys: Set<String> = []

    /// Creates an input; see the properties for the meaning of each argument.
    public init(
        sweep: String, specFile: String? = nil, generatedAt: Date, jobs: [ReportJob],
        isRunning: Bool = false, tables: [TableSpec] = [], axisOrder: [String: [ParamValue]] = [:]
    ) {
        self.sweep = sweep
        self.specFile = specFile
        self.generatedAt = generatedAt
        self.jobs = jobs
        self.isRunning = isRunning
        self.tables = tables
        self.axisOrder = axisOrder
    }
}
