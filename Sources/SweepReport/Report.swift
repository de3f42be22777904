import SweepCore
import SweepSpec

/// A rendered-on-demand report of one sweep: header, tables, CSVs and learning-curve plots.
///
/// Building a `Report` computes every table once; the renderers (`markdown()`, `tidyCSV()`,
/// `tableCSV(_:)`, `plots()`, `index(formats:)`, `write(to:formats:)`) only format. All output
/// is deterministic: keys and values are sorted, numbers use fixed formats, and the
/// "generated at" time comes from the input.
public struct Report: Sendable {
    /// The data the report is rendered from.
    public let input: ReportInput
    /// The computed tables: the input's table specs, or the default table when it has none.
    public let tables: [ReportTable]

    /// Computes the report's tables.
    ///
    /// Without table specs, the default table has one row per distinct configuration (every
    /// param that varies, seed excluded) and every recorded metric, over the default window.
    public init(_ input: ReportInput) {
        self.input = input
        let specs = input.tables.isEmpty ? [TableSpec()] : input.tables
        tables = specs.enumerated().map { offset, spec in
            ReportTable(spec: spec, number: offset + 1, jobs: input.jobs, axisOrder: input.axisOrder)
        }
    }

    /// Jobs not in state `done`, by id: they are left out of every number and listed.
    var jobsLeftOut: [ReportJob] {
        input.jobs.filter { $0.state != .done }.sorted { $0.id < $1.id }
    }

    /// Done jobs by id, the rows of `metrics.csv`.
    var doneJobs: [ReportJob] {
        input.jobs.filter { $0.state == .done }.sorted { $0.id < $1.id }
    }
}
