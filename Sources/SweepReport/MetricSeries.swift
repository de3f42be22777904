/// One metric of one job over epochs, stored as two parallel contiguous arrays.
///
/// Layout: `epochs[i]` is the epoch of `values[i]`; epochs are strictly increasing, as they
/// come from SQL ordered by epoch. This keeps a million values in two flat buffers per
/// series instead of a million small structs.
public struct MetricSeries: Sendable, Equatable {
    /// Epoch numbers, strictly increasing.
    public var epochs: [Int32]
    /// Metric values, `values[i]` recorded at `epochs[i]`.
    public var values: [Double]

    /// Creates a series from parallel arrays.
    ///
    /// - Precondition: `epochs.count == values.count` and `epochs` is strictly increasing.
    public init(epochs: [Int32], values: [Double]) {
        precondition(epochs.count == values.count, "MetricSeries: \(epochs.count) epochs but \(values.count) values")
        precondition(zip(epochs, epochs.dropFirst()).allSatisfy { $0 < $1 }, "MetricSeries: epochs must be strictly increasing")
        self.epochs = epochs
        self.values = values
    }

    /// Number of recorded epochs.
    public var count: Int { values.count }
}
