/// One SVG figure of a report section (`ReportSection.figures()`): learning curves, a
/// heatmap, the marginals, a search plot, or a figure of a section's own kind.
public struct ReportPlot: Sendable {
    /// What a figure shows; index.md lists learning curves together, every other figure on
    /// its own line led by its kind's title.
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
        /// A figure of a section's own kind, with the title index.md leads its line with.
        case other(String)

        /// The words leading a figure's line in index.md (learning curves have a list of
        /// their own, "Learning curves").
        var title: String {
            switch self {
            case .curves: "Learning curves"
            case .heatmap: "Heatmap"
            case .marginals: "Marginals"
            case .history: "Optimisation history"
            case .parallel: "Parallel coordinates"
            case .scatter: "Scatter"
            case .other(let title): title
            }
        }
    }

    /// What it shows, e.g. `distribution=beta`, `best 10 by loss`, `heatmap of loss`.
    public var rowLabel: String
    /// File name within the report directory, e.g. `table-1-beta.svg`.
    public var fileName: String
    /// What kind of figure it is.
    public var kind: Kind
    /// Renders the SVG document: index.md lists a figure without drawing it.
    private let render: @Sendable () -> String

    /// The SVG document, rendered on each read.
    public var svg: String { render() }

    /// A figure whose SVG (`svg`, evaluated only when read) is `table-N-...svg` in the report
    /// folder; a section's own figure names its table in `fileName` so it cannot meet another's.
    public init(rowLabel: String, fileName: String, svg: @autoclosure @escaping @Sendable () -> String, kind: Kind = .curves) {
        self.rowLabel = rowLabel
        self.fileName = fileName
        self.kind = kind
        render = svg
    }
}
