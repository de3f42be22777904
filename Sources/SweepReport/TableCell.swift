import SweepCore

/// One cell of a report table: the value of one metric for one configuration.
public struct TableCell: Sendable, Equatable {
    /// Where the cell's ± comes from.
    public enum Spread: String, Sendable {
        /// Sample sd across the seeds' window means (two or more seeds contributed).
        case seeds
        /// Sample sd over the window of the single contributing job.
        case window
    }

    /// The cell's mean and sd; nil when no done job of the configuration has the metric.
    public var summary: SampleSummary?
    /// What the sd is taken over.
    public var spread: Spread
    /// Number of done jobs (seeds) that contributed.
    public var seeds: Int
    /// Number of jobs of the configuration in any state.
    public var jobs: Int
    /// Whether a contributing job had fewer epochs than the window (its mean covers all it has).
    public var isShortWindow: Bool
    /// How many of the configuration's jobs are in each state other than `done`.
    public var notDone: [JobState: Int]
}
