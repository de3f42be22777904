import Dispatch
import Foundation
import SweepRuntime
import Synchronization

/// A thread of one transport's own that runs its blocking steps in the order they were
/// asked for (copying the binary, hashing and copying data files, `scancel`), so the
/// coordinator's loop only queues them and never waits.
///
/// The thread is started by the first step and never ends: a local srun is started from it
/// under `setpriv --pdeathsig`, whose signal follows the thread that spawned srun, so a
/// thread that ended would take srun and its Slurm job along.
final class TransportThread: Sendable {
    private let steps = LoopQueue<@Sendable () -> Void>()
    private let name: String
    private let started = Once()

    init(name: String) {
        self.name = name
    }

    /// Queues `step`; it runs after every step queued before it.
    func run(_ step: @escaping @Sendable () -> Void) {
        started.run { [steps, name] in
            Thread.detachNewThread {
                Thread.current.name = name
                while true { steps.next(timeout: nil)?() }
            }
        }
        steps.post(step)
    }

    /// Waits until every step queued so far has run, or `deadline`; false if it passed.
    func waitForSteps(until deadline: ContinuousClock.Instant) -> Bool {
        let done = DispatchSemaphore(value: 0)
        run { done.signal() }
        let seconds = max(0, ContinuousClock.now.duration(to: deadline).inSeconds)
        return done.wait(timeout: .now() + seconds) == .success
    }
}

/// Runs a closure once, whichever thread asks first.
private final class Once: Sendable {
    private let done = Mutex(false)

    func run(_ body: () -> Void) {
        done.withLock { done in
            guard !done else { return }
            done = true
            body()
        }
    }
}
