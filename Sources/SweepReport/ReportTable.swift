import SweepCore

/// A table computed from a `TableSpec` and a sweep's jobs: labels, cells and the jobs behind
/// each configuration, ready to be rendered as Markdown, CSV or plots.
///
/// Layout: `cells[row][group * metrics.count + metric]`, where `group` indexes `columnGroups`.
public struct ReportTable: Sendable {
    /// The layout it was built from.
    public let spec: TableSpec
    /// 1-based position among the report's tables (file names and captions use it).
    public let number: Int
    /// The heading: the spec's title, else `Table <number>`.
    public var heading: String { spec.title ?? "Table \(number)" }
    /// Row param keys: the spec's rows, then `extraRowKeys`.
    public let rowKeys: [String]
    /// Params that vary among the table's jobs but were in neither rows nor columns; they
    /// become row params so different configurations are never averaged together.
    public let extraRowKeys: [String]
    /// Params that vary among the table's jobs only together with the row and column params
    /// (determined by them, like `kan.grid` by `model`), so they split no cell; listed, not shown.
    public let dependentKeys: [String]
    /// Column param keys.
    public let columnKeys: [String]
    /// Metric names shown in every column group.
    public let metrics: [String]
    /// Params with one value across all the table's jobs (nil: the param is absent).
    public let fixedParams: [(key: String, value: ParamValue?)]
    /// Requested metrics that no done job recorded.
    public let missingMetrics: [String]
    /// Params named by the spec's rows, columns or filter that no job of the sweep has.
    public let unknownKeys: [String]
    /// Number of jobs (any state) that passed the filter.
    public let jobCount: Int
    /// Row labels, one value per row key (nil: the jobs lack the param).
    public let rows: [[ParamValue?]]
    /// Column group labels, one value per column key.
    public let columnGroups: [[ParamValue?]]
    /// Cell values; see the type's layout note.
    public let cells: [[TableCell]]
    /// Indices into the input's jobs, per row and column group (all states).
    public let jobIndices: [[[Int]]]
    /// Decimals used for each metric's cells.
    public let decimals: [Int]
}
