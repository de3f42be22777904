import KANKit

/// A ring buffer of DDQN transitions (s, a, r, s', done) with uniform sampling.
///
/// States are stored detached (values only), `[capacity, stateSize]` row-major for s and
/// for s'. With `keepsSources` (for `fsnet.q_gradient`) each transition also keeps where
/// its states came from, the training-example index and the mask of s and of s', so a
/// replayed state can be recomputed as F(image) · mask with the current FSNet. Storage is
/// allocated once; sampling writes into caller-owned tensors.
public final class ReplayBuffer {
    /// The example index and mask of a transition's s and s' (masks point at `stateSize` values).
    public struct Sources {
        public var example: UnsafeMutablePointer<Int32>
        public var mask: UnsafeMutablePointer<Float>
        public var nextExample: UnsafeMutablePointer<Int32>
        public var nextMask: UnsafeMutablePointer<Float>

        /// Allocates room for `count` transitions' sources; free with `deallocate()`.
        public static func allocate(count: Int, stateSize: Int) -> Sources {
            Sources(example: .allocate(capacity: count), mask: .allocate(capacity: count * stateSize),
                    nextExample: .allocate(capacity: count), nextMask: .allocate(capacity: count * stateSize))
        }

        public func deallocate() {
            example.deallocate()
            mask.deallocate()
            nextExample.deallocate()
            nextMask.deallocate()
        }

        /// Copies transition `from` of `source` into slot `to` of `self`.
        func copy(_ to: Int, from source: Sources, at from: Int, stateSize: Int) {
            example[to] = source.example[from]
            nextExample[to] = source.nextExample[from]
            (mask + to * stateSize).update(from: source.mask + from * stateSize, count: stateSize)
            (nextMask + to * stateSize).update(from: source.nextMask + from * stateSize, count: stateSize)
        }
    }

    /// Maximum number of transitions kept; the oldest is overwritten first.
    public let capacity: Int
    /// Features per state.
    public let stateSize: Int
    /// Number of transitions held.
    public private(set) var count = 0
    private var next = 0
    private let states: UnsafeMutablePointer<Float>
    private let nextStates: UnsafeMutablePointer<Float>
    private let actions: UnsafeMutablePointer<Int32>
    private let rewards: UnsafeMutablePointer<Float>
    private let dones: UnsafeMutablePointer<Float>
    /// Per transition, where s and s' came from (only with `keepsSources`).
    public let sources: Sources?

    /// Makes an empty buffer; `keepsSources` also stores each transition's `Sources`.
    public init(capacity: Int, stateSize: Int, keepsSources: Bool = false) {
        precondition(capacity > 0 && stateSize > 0)
        self.capacity = capacity
        self.stateSize = stateSize
        states = .allocate(capacity: capacity * stateSize)
        nextStates = .allocate(capacity: capacity * stateSize)
        actions = .allocate(capacity: capacity)
        rewards = .allocate(capacity: capacity)
        dones = .allocate(capacity: capacity)
        sources = keepsSources ? .allocate(count: capacity, stateSize: stateSize) : nil
    }

    deinit {
        states.deallocate()
        nextStates.deallocate()
        actions.deallocate()
        rewards.deallocate()
        dones.deallocate()
        sources?.deallocate()
    }

    /// Appends one transition; `state` and `nextState` point at `stateSize` values.
    /// `source` (slot 0 of it is read) is required exactly when the buffer keeps sources.
    public func append(state: UnsafePointer<Float>, action: Int, reward: Float, nextState: UnsafePointer<Float>, done: Bool, source: Sources? = nil) {
        precondition((source == nil) == (sources == nil), "a replay buffer keeping sources needs one per transition")
        if let sources, let source { sources.copy(next, from: source, at: 0, stateSize: stateSize) }
        (states + next * stateSize).update(from: state, count: stateSize)
        (nextStates + next * stateSize).update(from: nextState, count: stateSize)
        actions[next] = Int32(action)
        rewards[next] = reward
        dones[next] = done ? 1 : 0
        next = (next + 1) % capacity
        count = min(count + 1, capacity)
    }

    /// Draws `batch` transitions uniformly with replacement.
    ///
    /// - Parameters:
    ///   - state, nextState: `[batch, stateSize]` outputs.
    ///   - action, reward, done: `batch` outputs each.
    ///   - source: `batch` outputs of the transitions' sources (needs `keepsSources`).
    public func sample(batch: Int, state: UnsafeMutablePointer<Float>, action: UnsafeMutablePointer<Int32>, reward: UnsafeMutablePointer<Float>, nextState: UnsafeMutablePointer<Float>, done: UnsafeMutablePointer<Float>, source: Sources? = nil, generator: inout SeededGenerator) {
        precondition(source == nil || sources != nil, "this replay buffer keeps no sources")
        precondition(count > 0, "sampling an empty replay buffer")
        for i in 0..<batch {
            let j = generator.index(below: count)
            (state + i * stateSize).update(from: states + j * stateSize, count: stateSize)
            (nextState + i * stateSize).update(from: nextStates + j * stateSize, count: stateSize)
            action[i] = actions[j]
            reward[i] = rewards[j]
            done[i] = dones[j]
            if let source { source.copy(i, from: sources!, at: j, stateSize: stateSize) }
        }
    }
}
