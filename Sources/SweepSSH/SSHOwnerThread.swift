import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The serial executor of one `SSHSession`: a dedicated thread that runs the session's jobs
/// one at a time and, when idle, sleeps in `poll(2)` on the session socket.
///
/// libssh forbids using a session (or its channels) from two threads at once and its calls
/// block, so every libssh call of a session runs on this thread, never on the cooperative
/// pool. Between jobs the thread can park one *waiter* (the session's channel pump) until the
/// socket is readable, a deadline passes, or another job ran (a job may have pulled packets
/// into libssh's buffers without the socket signalling them again).
final class SSHOwnerThread: SerialExecutor {
    private let core: Core

    /// Starts the thread; it ends when this executor is released and its queue is empty.
    init(name: String) {
        core = Core()
        let thread = Thread { [core] in core.run() }
        thread.name = name
        thread.start()
    }

    deinit { core.stop() }

    func enqueue(_ job: UnownedJob) {
        core.submit((job, asUnownedSerialExecutor()))
    }

    func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    func checkIsolated() {
        precondition(core.isCurrentThread, "SSHSession used off its owner thread")
    }

    /// Suspends the caller (a job on this executor) until `fd` is readable or hung up,
    /// `deadline` passes, another job runs, or `wakeWaiter()` is called.
    func waitForActivity(
        on fd: Int32, until deadline: ContinuousClock.Instant,
        isolation: isolated (any Actor)? = #isolation
    ) async {
        // `isolation` keeps the parking on the owner thread, inside the caller's job, so the
        // thread sees the waiter as soon as that job ends.
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            core.park(Waiter(fd: fd, deadline: deadline, continuation: continuation))
        }
    }

    /// Lets the jobs already queued on this thread run, then resumes the caller (a job on this
    /// executor).
    ///
    /// `Task.yield()` enqueues the caller on the global concurrent pool before it hops back
    /// here, so every yield of a long upload would wait there while CPU-bound tasks hold the
    /// pool; this stays on the owner thread.
    func yield(isolation: isolated (any Actor)? = #isolation) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            core.resumeLater(continuation)
        }
    }

    /// Resumes the parked waiter at once, if there is one.
    func wakeWaiter() {
        core.unpark()?.resume()
    }
}

private struct Waiter {
    var fd: Int32
    var deadline: ContinuousClock.Instant
    var continuation: CheckedContinuation<Void, Never>
    /// The number of the job that parked the waiter; any later job wakes it.
    var parkedDuringJob: UInt64 = 0
}

/// The state shared between the executor object and its thread. The thread holds only this,
/// so releasing the executor can stop the thread.
private final class Core: Sendable {
    struct State {
        /// Queued jobs with the executor each must run on.
        var work: [(UnownedJob, UnownedSerialExecutor)] = []
        var waiter: Waiter?
        /// Callers of `yield()`, resumed once the jobs queued before them have run.
        var yielded: [CheckedContinuation<Void, Never>] = []
        /// Jobs started so far; numbers the job that is running.
        var jobsStarted: UInt64 = 0
        var stopping = false
    }

    private let state = Mutex(State())
    /// A pipe whose write end `submit` writes to interrupt `poll`; the thread drains it.
    private let wakeFD: Int32
    private let wakeWriteFD: Int32
    private let ownerThread = Atomic<UInt>(0)

    init() {
        var fds: [Int32] = [0, 0]
        precondition(pipe(&fds) == 0, "pipe failed: errno \(errno)")
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        (wakeFD, wakeWriteFD) = (fds[0], fds[1])
    }

    var isCurrentThread: Bool { ownerThread.load(ordering: .acquiring) == pthread_self() }

    func submit(_ work: (UnownedJob, UnownedSerialExecutor)) {
        state.withLock { $0.work.append(work) }
        wake()
    }

    func resumeLater(_ continuation: CheckedContinuation<Void, Never>) {
        precondition(isCurrentThread, "only a job of this SSHOwnerThread may yield on it")
        state.withLock { $0.yielded.append(continuation) }
    }

    func stop() {
        state.withLock { $0.stopping = true }
        wake()
    }

    func park(_ waiter: Waiter) {
        precondition(isCurrentThread, "only a job of this SSHOwnerThread may park on it")
        state.withLock { state in
            precondition(state.waiter == nil, "only one waiter may park on an SSHOwnerThread")
            var waiter = waiter
            waiter.parkedDuringJob = state.jobsStarted
            state.waiter = waiter
        }
        wake()
    }

    func unpark() -> CheckedContinuation<Void, Never>? {
        state.withLock { state in
            defer { state.waiter = nil }
            return state.waiter?.continuation
        }
    }

    private func wake() {
        // A full pipe already guarantees a wake-up, so a failed write needs no handling.
        var byte: UInt8 = 1
        _ = write(wakeWriteFD, &byte, 1)
    }

    func run() {
        ownerThread.store(pthread_self(), ordering: .releasing)
        var fds = [pollfd](repeating: pollfd(), count: 2)
        while true {
            let (work, yielded) = state.withLock { state in
                defer {
                    state.work.removeAll(keepingCapacity: true)
                    state.yielded.removeAll(keepingCapacity: true)
                }
                return (state.work, state.yielded)
            }
            // Their jobs were queued behind `work`: resuming enqueues them after it.
            for continuation in yielded { continuation.resume() }
            if !work.isEmpty || !yielded.isEmpty {
                for (job, executor) in work {
                    state.withLock { $0.jobsStarted &+= 1 }
                    job.runSynchronously(on: executor)
                }
                let stale = state.withLock { state -> CheckedContinuation<Void, Never>? in
                    guard let waiter = state.waiter, waiter.parkedDuringJob < state.jobsStarted else { return nil }
                    state.waiter = nil
                    return waiter.continuation
                }
                stale?.resume()
                continue
            }
            let (waiter, stopping) = state.withLock { ($0.waiter.map { ($0.fd, $0.deadline) }, $0.stopping) }
            if stopping && waiter == nil { break }

            fds[0] = pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0)
            var count: nfds_t = 1
            var timeout: Int32 = -1
            if let (fd, deadline) = waiter {
                fds[1] = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                count = 2
                let remaining = ContinuousClock.now.duration(to: deadline)
                timeout = remaining <= .zero ? 0 : Int32(clamping: remaining.milliseconds + 1)
            }
            let ready = poll(&fds, count, timeout)
            if ready < 0 && errno != EINTR {
                preconditionFailure("poll failed in SSHOwnerThread: errno \(errno)")
            }
            if fds[0].revents != 0 {
                var bytes: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
                while read(wakeFD, &bytes, MemoryLayout.size(ofValue: bytes)) > 0 {}
            }
            if let (_, deadline) = waiter, count == 2,
               fds[1].revents != 0 || ContinuousClock.now >= deadline {
                unpark()?.resume()
            }
        }
        close(wakeFD)
        close(wakeWriteFD)
    }
}
