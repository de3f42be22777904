
/// What a table says about its main metric (its first) beyond the cells: the best
/// configurations, each swept param's marginal and a heatmap over two params. This is the
/// part of a report that stays readable at 100,000 configurations.
///
/// A configuration is one cell position: a row with one column group. Its value is the cell's
/// mean of the main metric (over the window, across seeds).
public struct TableRanking: Sendable {
    /// One configuration of the table and its main-metric mean.
    public struct Configuration: Sendable, Equatable {
        /// Index into the table's rows.
        public var row: Int
        /// Index into the table's column groups.
        public var group: Int
        /// The main metric's cell mean.
        public var mean: Double
    }

    /// The main metric.
    public let metric: String
    /// Its index in the table's metrics.
    public let metricIndex: Int
    /// Whether high or low values are better.
    public let direction: TableSpec.Direction
    /// The best `k` configurations (fewer when the table has fewer with a value), best first.
    public let best: [Configuration]
    /// The row and column params with more than one value, in table order.
    public let sweptKeys: [String]
    /// The marginal of each swept param, in `sweptKeys` order.
    public let marginals: [Marginal]
    /// The heatmap over two swept params; nil with fewer than two.
    public let heatmap: HeatmapGrid?
    /// Configurations with a finite main-metric mean.
    public let rankedCount: Int
}
