/// A metric's mean and sample sd across seeds at every epoch any seed recorded: one series
/// of a learning-curve plot.
///
/// Layout: `epochs[i]`, `means[i]`, `sds[i]` describe epoch i; `sds[i]` is NaN where fewer
/// than two seeds recorded that epoch.
public struct LearningCurve: Sendable, Equatable {
    /// Epochs, ascending: the union of the seeds' epochs.
    public var epochs: [Int32]
    /// Mean across seeds per epoch.
    public var means: [Double]
    /// Sample sd across seeds per epoch (NaN with fewer than two values).
    public var sds: [Double]
    /// Number of seeds (series) the curve was computed from.
    public var seeds: Int

    /// Computes the curve of several seeds' series of one metric; nil when none has values.
    ///
    /// Series may cover different epochs (a seed stopped early); each epoch uses the seeds
    /// that recorded it.
    public init?(seeds series: [MetricSeries]) {
        let present = series.filter { $0.count > 0 }
        guard !present.isEmpty else { return nil }
        // Seeds of one config usually share their epochs; only merge when they differ.
        let epochs = present.allSatisfy { $0.epochs == present[0].epochs }
            ? present[0].epochs
            : Array(Set(present.flatMap(\.epochs))).sorted()
        let count = epochs.count
        var sums = [Double](repeating: 0, count: count)
        var counts = [Int](repeating: 0, count: count)
        var squares = [Double](repeating: 0, count: count)
        // Each series is a sorted subsequence of `epochs`: walk both with one cursor.
        for pass in 0..<2 {
            for seed in present {
                var slot = 0
                for index in 0..<seed.count {
                    while epochs[slot] != seed.epochs[index] { slot += 1 }
                    if pass == 0 {
                        sums[slot] += seed.values[index]
                        counts[slot] += 1
                    } else {
                        let deviation = seed.values[index] - sums[slot] / Double(counts[slot])
                        squares[slot] += deviation * deviation
                    }
                }
            }
        }
        self.epochs = epochs
        means = (0..<count).map { sums[$0] / Double(counts[$0]) }
        sds = (0..<count).map { counts[$0] > 1 ? (squares[$0] / Double(counts[$0] - 1)).squareRoot() : .nan }
        seeds = present.count
    }
}
