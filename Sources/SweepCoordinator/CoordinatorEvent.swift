import Foundation
import SweepWire

/// Something the coordinator's loop reacts to. Transports and signal handlers post
/// these from their own threads; one loop consumes them in order.
public enum CoordinatorEvent: Sendable {
    case message(host: String, WorkerMessage)
    /// The host's connection ended (worker exited, channel closed, host unreachable).
    /// `failure` says whether trying again can help.
    case closed(host: String, reason: String, failure: HostFailure = .transient)
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
}

/// A thread-safe FIFO of events with a blocking, time-limited `pop`.
public final class EventQueue: @unchecked Sendable {
    // @unchecked: `items` is only touched while holding `condition`.
    private let condition = NSCondition()
    private var items: [CoordinatorEvent] = []
    private var head = 0

    public init() {}

    /// Appends an event; callable from any thread.
    public func post(_ event: CoordinatorEvent) {
        condition.lock()
        items.append(event)
        condition.signal()
        condition.unlock()
    }

    /// The oldest event, waiting up to `timeout` seconds; nil if none came.
    public func pop(timeout: Double) -> CoordinatorEvent? {
        condition.lock()
        defer { condition.unlock() }
        let deadline = Date(timeIntervalSinceNow: timeout)
        while head == items.count {
            if !condition.wait(until: deadline) { return nil }
        }
        let event = items[head]
        head += 1
        if head > 1024, head * 2 > items.count {
            items.removeFirst(head)
            head = 0
        }
        return event
    }
}
