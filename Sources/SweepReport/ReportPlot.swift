/// One rendered SVG figure: the learning curves of one row of one table.
public struct ReportPlot: Sendable {
    /// The table the row belongs to (1-based).
    public var tableNumber: Int
    /// The row's label, e.g. `distribution=beta`.
    public var rowLabel: String
    /// File name within the report directory, e.g. `table-1-beta.svg`.
    public var fileName: String
    /// The SVG document.
    public var svg: String
}
