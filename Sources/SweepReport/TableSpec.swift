import SweepCore

/// The layout of one report table: which params make its rows and columns, which metrics
/// its cells show, and over how many final epochs each cell is averaged.
///
/// A table with rows R, columns C and metrics M has one row per distinct combination of the
/// R values and one cell column per combination of the C values times each metric. Params
/// that still vary among the table's jobs but are in neither R nor C are appended to the
/// rows (and the table says so), so that different configurations are never averaged
/// together; only seeds are.
///
/// A spec's `report` section is read into these once, when the spec is validated
/// (SweepSpec's `ReportSectionReader`); `sweep report` flags build one too.
public struct TableSpec: Sendable, Equatable {
    /// The pseudo-param naming a job's seed, usable in `rows`, `columns` and `filter`.
    public static let seedKey = "seed"
    /// The pseudo-metric naming a job's wall time (seconds; shown as h:mm:ss).
    public static let wallTimeMetric = "wall_time"
    /// The paper's moving-window length.
    public static let defaultWindow = 10

    /// Optional caption, e.g. "Table I: MLP-DDQN by distribution".
    public var title: String?
    /// Param keys whose values form the rows, in order.
    public var rows: [String]
    /// Param keys whose values form the column groups, in order.
    public var columns: [String]
    /// Metric names shown for every column group; empty means every metric of the sweep.
    public var metrics: [String]
    /// Number of final epochs each job's value is averaged over (W).
    public var window: Int
    /// Only jobs whose param values are among the listed ones enter the table; numbers match
    /// by value (`1` matches `1.0`). A `.null` entry admits jobs that lack the param (JSON
    /// `null`, flag value `-`), e.g. `"kan.width": [8, null]` keeps KAN jobs of width 8 and
    /// the MLP jobs, which have no KAN width.
    public var filter: [String: [JSONValue]]
    /// Fixed number of decimals for every cell; nil chooses per metric.
    public var decimals: Int?
    /// How many best configurations to list (`top`); nil: the default, shown only when the
    /// table is too long to print in full.
    public var top: Int?
    /// Whether the main metric (the first) is better high or low; nil: from its name.
    public var direction: Direction?
    /// The heatmap's two params, down then across (both among `rows` and `columns`); nil:
    /// the row and the column param, or the two swept params with the most values.
    public var heatmap: [String]?
    /// Paired differences reported beside the table (at most `maxDifferences`).
    public var differences: [Difference]

    /// Creates a table layout.
    ///
    /// - Precondition: `window > 0`; `decimals`, when given, in 0...12; `top`, when given,
    ///   in `1...TableSpec.maxTop`.
    public init(
        title: String? = nil, rows: [String] = [], columns: [String] = [], metrics: [String] = [],
        window: Int = TableSpec.defaultWindow, filter: [String: [JSONValue]] = [:], decimals: Int? = nil,
        top: Int? = nil, direction: Direction? = nil, heatmap: [String]? = nil, differences: [Difference] = []
    ) {
        precondition(window > 0, "TableSpec: window must be positive")
        precondition(decimals.map { (0...12).contains($0) } ?? true, "TableSpec: decimals must be in 0...12")
        precondition(top.map { (1...Self.maxTop).contains($0) } ?? true, "TableSpec: top must be in 1...\(Self.maxTop)")
        self.title = title
        self.rows = rows
        self.columns = columns
        self.metrics = metrics
        self.window = window
        self.filter = filter
        self.decimals = decimals
        self.top = top
        self.direction = direction
        self.heatmap = heatmap
        self.differences = differences
    }
}
