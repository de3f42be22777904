import SweepCore

/// The wire protocol's version; both sides put it in every message and refuse others.
public let wireProtocolVersion = 1

/// How a job attempt ended.
public enum AttemptStatus: String, Sendable, Hashable, CaseIterable {
    case ok, failed, cancelled
}

/// What a worker says it is, sent once when it starts.
public struct WorkerInfo: Sendable, Hashable {
    /// The `sweep` version string of the worker's binary.
    public var version: String
    /// SHA-256 of the worker's executable, so the coordinator can see a stale binary.
    public var binaryHash: String
    public var hostname: String
    public var cores: Int
    public var slots: Int
    /// The host's OS and CPU model, for each attempt's provenance; nil from a worker that
    /// does not say (older ones) or cannot tell. At most `maxDescription` characters.
    public var os: String?
    public var cpu: String?
    /// Where the worker's environment says it runs: a scheduler's job and node (see the
    /// host kinds' `placement(environment:)`); nil when the transport that started it knows
    /// (local, SSH). Its id and node are at most `maxDescription` characters.
    public var placement: Placement?

    public static let maxDescription = 200

    public init(version: String, binaryHash: String, hostname: String, cores: Int, slots: Int,
                os: String? = nil, cpu: String? = nil, placement: Placement? = nil) {
        self.version = version
        self.binaryHash = binaryHash
        self.hostname = hostname
        self.cores = cores
        self.slots = slots
        self.os = os
        self.cpu = cpu
        self.placement = placement
    }
}

/// One job attempt to run, as the coordinator sends it. The config travels inside the
/// channel, never on a command line.
public struct RunRequest: Sendable, Hashable {
    public var job: Int64
    public var attempt: Int
    public var workload: String
    public var config: JobConfig
    /// Seconds after which the worker kills the job; nil for no limit.
    public var timeout: Double?

    public init(job: Int64, attempt: Int, workload: String, config: JobConfig, timeout: Double? = nil) {
        self.job = job
        self.attempt = attempt
        self.workload = workload
        self.config = config
        self.timeout = timeout
    }
}

/// The end of a job attempt.
public struct AttemptResult: Sendable, Hashable {
    public var job: Int64
    public var attempt: Int
    public var status: AttemptStatus
    /// The workload's summary, for `ok`.
    public var summary: JSONValue?
    /// What went wrong, for `failed` and `cancelled`.
    public var error: String?
    /// The last lines the job wrote to stderr.
    public var stderrTail: String?
    /// The signal that killed the job's process, if one did.
    public var signal: Int32?
    /// Whether the workload itself reported the failure (it threw: bad data, missing data
    /// set, divergence), as opposed to its process crashing, being killed or timing out.
    /// Such a failure is about the job, so it does not count against the host.
    public var reportedByJob: Bool

    public init(job: Int64, attempt: Int, status: AttemptStatus, summary: JSONValue? = nil,
                error: String? = nil, stderrTail: String? = nil, signal: Int32? = nil, reportedByJob: Bool = false) {
        self.job = job
        self.attempt = attempt
        self.status = status
        self.summary = summary
        self.error = error
        self.stderrTail = stderrTail
        self.signal = signal
        self.reportedByJob = reportedByJob
    }
}

/// Worker -> coordinator (and job runner -> worker).
public enum WorkerMessage: Sendable, Hashable {
    case ready(WorkerInfo)
    case started(job: Int64, attempt: Int)
    case metric(job: Int64, attempt: Int, epoch: Int, values: [String: Double])
    case log(job: Int64, attempt: Int, line: String)
    /// Part of a file of the job's output folder (`JobOutput`), from `offset`.
    case output(job: Int64, attempt: Int, path: String, offset: Int, bytes: [UInt8])
    case finished(AttemptResult)
    /// Sent periodically; `running` lists the jobs the worker is running now.
    case heartbeat(running: [Int64])
}

/// Coordinator -> worker (and worker -> job runner).
public enum CoordinatorMessage: Sendable, Hashable {
    case run(RunRequest)
    case cancel(job: Int64)
    /// End a job early (an early-stopping decision): SIGTERM, then after `grace` seconds
    /// SIGKILL, so the program can save what it wants first.
    case stop(job: Int64, grace: Double)
    /// Finish the running jobs, accept no more, then exit.
    case drain
}
