/// The effect of one param on its own: for each of its values, the mean ± sample sd of the
/// main metric over every configuration with that value (whatever the other params), and
/// how many configurations that is.
public struct Marginal: Sendable {
    /// The param.
    public var key: String
    /// Its values, in axis order (nil: configurations lacking the param).
    public var values: [ParamValue?]
    /// Per value, the summary of the configurations' means; nil when none has a value.
    public var summaries: [SampleSummary?]
}
