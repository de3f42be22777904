import Synchronization

/// The time an event loop schedules its timers by: monotonic, so a changed wall clock
/// never fires (or starves) a heartbeat grace, a backoff or a timeout.
///
/// Injected, so that tests drive time by hand (`ManualClock`) instead of sleeping.
public protocol LoopClock: Sendable {
    /// Time since an arbitrary origin fixed when the clock was made; never goes backwards.
    var now: Duration { get }
}

/// The real clock: `ContinuousClock` (CLOCK_MONOTONIC-based, counting time asleep).
public struct MonotonicClock: LoopClock {
    private let origin = ContinuousClock.now

    public init() {}

    public var now: Duration { ContinuousClock.now - origin }
}

/// A clock that moves only when told to: tests advance it past a grace period or a
/// backoff and then let the loop run, in microseconds of real time.
public final class ManualClock: LoopClock {
    private let time: Mutex<Duration>

    public init(_ start: Duration = .zero) {
        time = Mutex(start)
    }

    public var now: Duration { time.withLock { $0 } }

    /// Moves the clock forward by `duration` (which must not be negative).
    public func advance(by duration: Duration) {
        precondition(duration >= .zero, "a monotonic clock does not go back")
        time.withLock { $0 += duration }
    }
}

extension Duration {
    /// The duration in seconds, for messages and the wire protocol.
    public var inSeconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
