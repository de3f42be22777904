import KANKit

/// A ring buffer of DDQN transitions (s, a, r, s', done) with uniform sampling.
///
/// States are stored detached (values only), `[capacity, stateSize]` row-major for s and
/// for s'. Storage is allocated once; sampling writes into caller-owned tensors.
public final class ReplayBuffer {
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

    /// Makes an empty buffer.
    public init(capacity: Int, stateSize: Int) {
        precondition(capacity > 0 && stateSize > 0)
        self.capacity = capacity
        self.stateSize = stateSize
        states = .allocate(capacity: capacity * stateSize)
        nextStates = .allocate(capacity: capacity * stateSize)
        actions = .allocate(capacity: capacity)
        rewards = .allocate(capacity: capacity)
        dones = .allocate(capacity: capacity)
    }

    deinit {
        states.deallocate()
        nextStates.deallocate()
        actions.deallocate()
        rewards.deallocate()
        dones.deallocate()
    }

    /// Appends one transition; `state` and `nextState` point at `stateSize` values.
    public func append(state: UnsafePointer<Float>, action: Int, reward: Float, nextState: UnsafePointer<Float>, done: Bool) {
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
    public func sample(batch: Int, state: UnsafeMutablePointer<Float>, action: UnsafeMutablePointer<Int32>, reward: UnsafeMutablePointer<Float>, nextState: UnsafeMutablePointer<Float>, done: UnsafeMutablePointer<Float>, generator: inout SeededGenerator) {
        precondition(count > 0, "sampling an empty replay buffer")
        for i in 0..<batch {
            let j = generator.index(below: count)
            (state + i * stateSize).update(from: states + j * stateSize, count: stateSize)
            (nextState + i * stateSize).update(from: nextStates + j * stateSize, count: stateSize)
            action[i] = actions[j]
            reward[i] = rewards[j]
            done[i] = dones[j]
        }
    }
}
