import Dispatch
import Synchronization

/// The inbox of one event loop: any thread posts, one owner thread takes events in order,
/// waiting at most until its next timer is due.
///
/// A `Mutex` guards the items and a semaphore counts them, so the owner can block with a
/// time limit; no condition variable, no polling.
public final class LoopQueue<Event: Sendable>: Sendable {
    private struct Items: ~Copyable {
        var events: [Event] = []
        var head = 0
    }

    private let items = Mutex(Items())
    private let available = DispatchSemaphore(value: 0)

    public init() {}

    /// Appends an event; callable from any thread.
    public func post(_ event: Event) {
        items.withLock { $0.events.append(event) }
        available.signal()
    }

    /// The oldest event, waiting up to `timeout` (forever if nil); nil if none came.
    public func next(timeout: Duration?) -> Event? {
        if let timeout {
            let nanoseconds = max(0, min(timeout.inSeconds, 3600)) * 1e9
            guard available.wait(timeout: .now() + .nanoseconds(Int(nanoseconds))) == .success else { return nil }
        } else {
            available.wait()
        }
        return take()
    }

    /// The oldest event if one is waiting, without blocking.
    public func poll() -> Event? {
        guard available.wait(timeout: .now()) == .success else { return nil }
        return take()
    }

    /// Removes the oldest event; the semaphore said there is one.
    private func take() -> Event {
        items.withLock { items in
            let event = items.events[items.head]
            items.head += 1
            // Compact when drained, or now and then, instead of shifting on every event.
            if items.head == items.events.count {
                items.events.removeAll(keepingCapacity: true)
                items.head = 0
            } else if items.head > 1024, items.head * 2 > items.events.count {
                items.events.removeFirst(items.head)
                items.head = 0
            }
            return event
        }
    }
}
