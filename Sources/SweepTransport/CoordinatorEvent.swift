import SweepRuntime
import SweepWire

/// Something the coordinator's loop reacts to. Transports and signal handlers post
/// these from their own threads; one loop consumes them in order.
public enum CoordinatorEvent: Sendable {
    case message(host: String, WorkerMessage)
    /// The host's connection ended (worker exited, channel closed, host unreachable).
    /// `failure` says whether trying again can help.
    case closed(host: String, reason: String, failure: HostFailure = .transient)
    /// What a started host's worker is waiting for before it runs (a Slurm job pending in
    /// the queue): shown as the host's state `pending` until its `ready`.
    /// `job` is the scheduler's id for it.
    case waiting(host: String, job: String, detail: String)
    /// A transport that starts its worker off the loop (see `SlurmTransport`) could not: the
    /// host is down as if `start` had thrown `reason`. No `.closed` follows.
    case startFailed(host: String, reason: String)
    /// What a closed connection held outside its worker (a Slurm job) was released; `problem`
    /// says why it may not have been (the job may outlive the sweep), nil when it was.
    case released(host: String, problem: String?)
    /// Ctrl-C (SIGINT) or SIGTERM.
    case interrupt
}

/// Whether a host's failure can heal.
public enum HostFailure: Sendable, Hashable {
    /// Connection refused or reset, a timeout, a lost link, sshd restarting: reconnect
    /// with backoff.
    case transient
    /// Cannot work for this sweep whatever we retry (authentication refused, changed host
    /// key, missing runtime, wrong CPU): report once, with the fix, and drop the host.
    case permanent
    /// The worker was ended by a limit on its own run time (a Slurm job's `--time`), not
    /// lost: the host is reconnected, but the attempts it was running count as failed, since
    /// run again they would meet the same limit (re-queueing them uncounted loops forever).
    /// `seconds` is the limit when known; `fix` says what to change.
    case timeLimit(seconds: Int?, fix: String)
}

/// The coordinator's inbox: transports and signal handlers post from any thread; the
/// coordinator's loop thread takes events in order.
public final class EventQueue: Sendable {
    private let queue = LoopQueue<CoordinatorEvent>()

    public init() {}

    /// Appends an event; callable from any thread.
    public func post(_ event: CoordinatorEvent) {
        queue.post(event)
    }

    /// The oldest event, waiting up to `timeout` (forever if nil); nil if none came. Only
    /// the coordinator's loop thread takes events.
    public func next(timeout: Duration?) -> CoordinatorEvent? {
        queue.next(timeout: timeout)
    }

    /// The oldest event if one is waiting; the coordinator's loop thread only.
    public func poll() -> CoordinatorEvent? {
        queue.poll()
    }
}
