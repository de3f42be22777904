/// One rendered SVG figure of a table: learning curves, a heatmap or the marginals.
public struct ReportPlot: Sendable {
    /// What a figure shows.
    public enum Kind: Sendable, Equatable {
        /// Learning curves (of one row, of the best configurations, or by one param's values).
        case curves
        /// The main metric over two params.
        case heatmap
        /// The main metric against each swept param on its own.
        case marginals
        /// The main metric of each job in start order, with the best so far.
        case history
        /// Parallel coordinates: every done job through its params and the main metric.
        case parallel
        /// The main metric of each done job against each param.
        case scatter
    }

    /// The table the figure belongs to (1-based).
    public var tableNumber: Int
    /// What it shows, e.g. `distribution=beta`, `best 10 by loss`, `heatmap of loss`.
    public var rowLabel: String
    /// File name within the report directory, e.g. `table-1-beta.svg`.
    public var fileName: String
    /// The SVG document.
    public var svg: String
    /// What kind of figure it is.
    public var kind: Kind = .curves
}
