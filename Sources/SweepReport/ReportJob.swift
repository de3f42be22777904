import Foundation
import SweepCore

/// One job of a sweep as a report sees it: its resolved config, state, and metrics of the
/// attempt that finished ok, or of a stopped job's stopped attempt (empty in other states).
public struct ReportJob: Sendable {
    /// The store's numeric id; orders jobs in `metrics.csv`.
    public var id: Int
    /// The stable job key (hash of the canonical config).
    public var key: String
    /// Resolved config without the seed; nested keys dotted (`"kan.width"`).
    public var params: [String: ParamValue]
    /// The job's seed; jobs differing only in seed are replicates of one configuration.
    public var seed: Int
    /// Lifecycle state; only `done` jobs enter tables and CSVs; plots also draw `stopped` ones.
    public var state: JobState
    /// Host that ran (or runs) the job, if any.
    public var host: String?
    /// Attempt number (1-based) of the attempt whose metrics are given.
    public var attempt: Int
    /// When the given attempt started.
    public var startedAt: Date?
    /// When the given attempt finished.
    public var finishedAt: Date?
    /// The error of a failed job (stderr tail), shown in the list of jobs left out.
    public var error: String?
    /// Metric name to its per-epoch series.
    public var metrics: [String: MetricSeries]
    /// Epochs all its attempts ran (a paused job's earlier runs, lost attempts), when known;
    /// nil counts the given attempt's.
    public var epochsRun: Int?

    /// Creates a job; see the properties for the meaning of each argument.
    public init(
        id: Int, key: String, params: [String: ParamValue], seed: Int, state: JobState,
        host: String? = nil, attempt: Int = 1, startedAt: Date? = nil, finishedAt: Date? = nil,
        error: String? = nil, metrics: [String: MetricSeries] = [:], epochsRun: Int? = nil
    ) {
        self.id = id
        self.key = key
        self.params = params
        self.seed = seed
        self.state = state
        self.host = host
        self.attempt = attempt
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.error = error
        self.metrics = metrics
        self.epochsRun = epochsRun
    }

    /// Wall time of the given attempt in seconds, when both times are known.
    public var wallTime: TimeInterval? {
        guard let startedAt, let finishedAt else { return nil }
        return finishedAt.timeIntervalSince(startedAt)
    }

    /// The value of a grouping key: a param, or the seed for the key `"seed"`.
    func value(of key: String) -> ParamValue? {
        if key == TableSpec.seedKey { return .int(seed) }
        return params[key]
    }
}
