import SweepWire

/// A byte pipe to one host's worker: the local child process or an SSH channel.
///
/// The coordinator only knows this protocol; the command line chooses concrete
/// transports, so the runtime never depends on the SSH module.
public protocol WorkerTransport: AnyObject, Sendable {
    /// The host's name in the store and in progress output ("local", "gpu1").
    var hostName: String { get }
    /// How many jobs to run at once on this host.
    var slots: Int { get }
    /// Starts the worker. From then on every message it sends, and finally the end of
    /// the connection, is posted to `events`.
    func start(events: EventQueue) throws
    /// Sends a message; returns false if the connection is gone.
    @discardableResult
    func send(_ message: CoordinatorMessage) -> Bool
    /// Ends the connection: the worker sees end of input, kills its jobs and exits.
    func close()
    /// Ends the connection at once for a worker presumed hung (no heartbeats): kills it
    /// where the transport can, so that `.closed` is posted even if it would never exit.
    func abort()
    /// How long the worker may take from `start` to its `ready` before the host is given up
    /// for the sweep (`readyLimitReason` says why); nil: the host grace, as for any silence.
    /// A Slurm worker may wait in the queue for a long time without being lost.
    var readyLimit: Duration? { get }
    /// Why a worker that missed `readyLimit` is given up, with what to do about it.
    var readyLimitReason: String { get }
    /// How long the worker may run once it is up (a Slurm job's `--time`); nil: no limit
    /// known. The coordinator gives it no job it expects not to finish in the time left.
    var timeLimit: Duration? { get }
    /// The `kind` of the placement of the attempts it runs (`local`, `ssh`, `slurm`), unless
    /// its worker says its own (`WorkerInfo.placement`, as a Slurm job does).
    var placementKind: String { get }
    /// After `close()`: waits, until `deadline` at the latest, for every connection this
    /// transport started to be torn down, so that the process can exit without one of its
    /// threads still inside a library that `exit` tears down. By default returns at once.
    func waitUntilClosed(deadline: ContinuousClock.Instant)
}

extension WorkerTransport {
    public var readyLimit: Duration? { nil }
    public var readyLimitReason: String { "the worker did not start" }
    public var timeLimit: Duration? { nil }
    public var placementKind: String { "local" }
    public func waitUntilClosed(deadline: ContinuousClock.Instant) {}
}
