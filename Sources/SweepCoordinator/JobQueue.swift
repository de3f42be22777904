/// The coordinator's pending jobs, in the order they are handed out: a ring buffer, so
/// taking the next job, re-queuing a retried one at the back and a lost one at the front
/// each cost O(1) (an array's `removeFirst` shifts every job behind it: O(n) per dispatch,
/// O(n²) for a sweep).
struct JobQueue: Sequence {
    private var slots: [Int64] = []
    /// Where the first job is in `slots`.
    private var head = 0
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }

    /// Adds `job` at the back.
    mutating func append(_ job: Int64) {
        growIfFull()
        slots[(head + count) % slots.count] = job
        count += 1
    }

    /// Puts `job` at the front: it is handed out next (a job whose host was lost).
    mutating func prepend(_ job: Int64) {
        growIfFull()
        head = (head + slots.count - 1) % slots.count
        slots[head] = job
        count += 1
    }

    /// Takes the job at the front.
    /// - Precondition: the queue is not empty.
    mutating func removeFirst() -> Int64 {
        precondition(count > 0, "removeFirst() on an empty JobQueue")
        let job = slots[head]
        head = (head + 1) % slots.count
        count -= 1
        return job
    }

    /// The position (0 = front) of the first job that satisfies `predicate`.
    func firstIndex(where predicate: (Int64) throws -> Bool) rethrows -> Int? {
        for offset in 0..<count where try predicate(slots[(head + offset) % slots.count]) { return offset }
        return nil
    }

    /// Takes the job at `offset` from the front: O(1) at the front (every host without a time
    /// limit), else O(jobs behind it), which close the gap.
    /// - Precondition: `offset < count`.
    mutating func remove(at offset: Int) -> Int64 {
        precondition(offset >= 0 && offset < count, "remove(at:) past the end of a JobQueue")
        if offset == 0 { return removeFirst() }
        let job = slots[(head + offset) % slots.count]
        for index in offset..<(count - 1) {
            slots[(head + index) % slots.count] = slots[(head + index + 1) % slots.count]
        }
        count -= 1
        return job
    }

    /// The jobs from front to back.
    func makeIterator() -> some IteratorProtocol<Int64> {
        var index = 0
        return AnyIterator { [slots, head, count] in
            guard index < count else { return nil }
            defer { index += 1 }
            return slots[(head + index) % slots.count]
        }
    }

    /// Doubles the buffer when it is full, laying the jobs out from index 0 again.
    private mutating func growIfFull() {
        guard count == slots.count else { return }
        var grown = [Int64](repeating: 0, count: Swift.max(16, slots.count * 2))
        for index in 0..<count { grown[index] = slots[(head + index) % slots.count] }
        slots = grown
        head = 0
    }
}
