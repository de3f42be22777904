/// The effect of one param on its own: for each of its values, the mean ± sample sd of the
/// main metric over every configuration with that value (whatever the other params), and
/// how many configurations that is.
///
/// A param with many distinct numbers and about one configuration each (a random search's
/// learning rate) is binned: `values` are then ranges (`"0.0001–0.00032"`) holding about
/// equal numbers of configurations, in increasing order.
public struct Marginal: Sendable {
    /// The param.
    public var key: String
    /// Its values, in axis order (nil: configurations lacking the param); ranges when binned.
    public var values: [ParamValue?]
    /// Per value, the summary of the configurations' means; nil when none has a value.
    public var summaries: [SampleSummary?]
    /// Per value, the spread across seeds: the root mean square of the sd across seeds of
    /// the configurations with two or more done seeds; nil when no configuration has two.
    public var seedSD: [Double?] = []
    /// Whether `values` are ranges of a continuous param.
    public var isBinned = false
}
