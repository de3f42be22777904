/// The main metric over two params: one cell per pair of values, holding the mean of every
/// configuration with that pair (with exactly those two params swept, the table's cell).
///
/// Layout: `means[y * xValues.count + x]`; NaN where no configuration has a value.
public struct HeatmapGrid: Sendable {
    /// The param across (columns of the picture).
    public var xKey: String
    /// The param down (rows of the picture).
    public var yKey: String
    /// Values of `xKey`, in axis order.
    public var xValues: [ParamValue?]
    /// Values of `yKey`, in axis order.
    public var yValues: [ParamValue?]
    /// Cell means; see the type's layout note.
    public var means: [Double]
    /// The best cell as (x, y) under the ranking's direction; nil when every cell is empty.
    public var best: (x: Int, y: Int)?
    /// Whether cells average over other swept params too (then the caption says so).
    public var averagesOtherParams: Bool

    /// The mean at column `x`, row `y` (NaN when empty).
    public func mean(x: Int, y: Int) -> Double {
        means[y * xValues.count + x]
    }
}
