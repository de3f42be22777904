/// A kind of job `sweep` can run: a named, versioned computation over a config that
/// reports metrics per epoch and returns a summary.
///
/// Workloads are stateless types; the registry lists them by name. Bump `version` when
/// a change alters results, so jobs with the same config are not reused across it.
public protocol Workload: Sendable {
    /// The name specs use in their `workload` field.
    static var name: String { get }
    /// Part of every job key: changing it makes old results distinct from new ones.
    static var version: Int { get }
    /// One line saying what the workload computes.
    static var summary: String { get }
    /// Every parameter with its default; `seed` is implicit and must not be listed.
    static var parameters: [ParamSpec] { get }
    /// More than the parameter table says (how the job runs, what it reads and writes),
    /// for `sweep workloads NAME`; empty when the table says it all.
    static var guide: String { get }
    /// Checks that span several parameters (e.g. conv depth and filters); the returned
    /// problems name the parameter and what would fit. Called on every resolved config.
    static func problems(in config: JobConfig) -> [ConfigProblem]
    /// Runs one job to completion and returns its summary (stored as the job's result).
    static func run(_ config: JobConfig, context: any JobContext) throws -> JSONValue
    /// Files a job needs that a remote host may lack (data sets): the coordinator copies its
    /// own copies there before the job starts. Files the coordinator doesn't have are left out.
    static func dataFiles(for config: JobConfig) -> [DataFile]
    /// Whether a spec may set parameters `parameters` does not list (any name, any JSON
    /// value): for workloads that hand the config to a program of the user's.
    static var acceptsOtherParameters: Bool { get }
    /// Turns valid configs into what the jobs run and are keyed by, given the folder of the
    /// spec (a workload that reads the user's files puts their content hashes in the
    /// config). Called once per plan on every config before seeds are added.
    static func resolve(_ configs: [JobConfig], specFolder: String) throws(ConfigProblem) -> [JobConfig]
    /// The parameters the value of `param` refers to (the command workload's `{name}`
    /// placeholders in `command`): with `base`, grid, zip and sample, what an open workload's
    /// spec names, so a parameter nothing names is caught as a typo.
    static func parametersReferenced(by value: JSONValue, param: String) -> Set<String>
}

extension Workload {
    public static func problems(in config: JobConfig) -> [ConfigProblem] { [] }
    public static func dataFiles(for config: JobConfig) -> [DataFile] { [] }
    public static var acceptsOtherParameters: Bool { false }
    public static var guide: String { "" }
    public static func resolve(_ configs: [JobConfig], specFolder: String) throws(ConfigProblem) -> [JobConfig] { configs }
    public static func parametersReferenced(by value: JSONValue, param: String) -> Set<String> { [] }
}

/// A file a job reads, as the coordinator has it and where a worker host looks for it.
public struct DataFile: Sendable, Hashable {
    /// The coordinator's copy.
    public var localPath: String
    /// Where the job looks on a host, relative to the remote user's home
    /// (`.cache/sweep/datasets/fashion-mnist/train-images-idx3-ubyte.gz`).
    public var remotePath: String
    /// Lowercase hex SHA-256 the copy must have.
    public var sha256: String

    public init(localPath: String, remotePath: String, sha256: String) {
        self.localPath = localPath
        self.remotePath = remotePath
        self.sha256 = sha256
    }
}

/// A config that is valid param by param but not as a whole.
public struct ConfigProblem: Error, Sendable, Hashable {
    /// The parameter to change.
    public var param: String
    /// What is wrong and what would fit.
    public var message: String

    public init(param: String, message: String) {
        self.param = param
        self.message = message
    }
}

/// How a running job talks to whoever runs it: metrics, log lines, cancellation.
///
/// A workload may call it from several threads at once (the `command` workload reports
/// from its program's stdout and from its metrics file), so implementations are thread-safe.
public protocol JobContext: AnyObject {
    /// Records the metrics of one epoch (or update); names are the metric names.
    func report(epoch: Int, metrics: [String: Double])
    /// A human-readable progress line, kept in the job's log.
    func log(_ message: String)
    /// Which attempt at the job this is, from 1.
    var attempt: Int { get }
    /// Sends part of an output file (`path` relative to the job's output folder) to the
    /// coordinator's side, from `offset`; see `JobOutput`.
    func output(path: String, offset: Int, bytes: ArraySlice<UInt8>)
    /// True once the sweep's stop rule ended this job (the runner got SIGTERM): a workload
    /// checks it between epochs and returns what it has.
    var shouldStop: Bool { get }
}

extension JobContext {
    public var attempt: Int { 1 }
    public var shouldStop: Bool { false }
    public func output(path: String, offset: Int, bytes: ArraySlice<UInt8>) {}
}

/// A job that gives up with a message meant for the user (bad data, diverged training).
public struct JobFailure: Error, Sendable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}

/// A job that ended in a way that may not happen again (its program was killed by a
/// signal): the attempt fails and is retried, as when a runner crashes.
public struct JobCrash: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var signal: Int32

    public init(_ message: String, signal: Int32) {
        self.message = message
        self.signal = signal
    }

    public var description: String { message }
}
