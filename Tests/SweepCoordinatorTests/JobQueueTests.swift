@testable import SweepCoordinator
import Testing

/// The pending-job ring buffer against an array doing the same: appends, prepends and
/// removals (at the front and from the middle) in a seeded random mix that wraps around and grows the buffer many times.
@Suite struct JobQueueTests {
    @Test func itKeepsTheOrderAnArrayWouldThroughWrapsAndGrowth() {
        var queue = JobQueue()
        var model: [Int64] = []
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 33
        }
        for step in 0..<20_000 {
            switch next() % 8 {
            case 0, 1, 2:
                queue.append(Int64(step))
                model.append(Int64(step))
            case 3:
                queue.prepend(Int64(step))
                model.insert(Int64(step), at: 0)
            case 4:
                // A time-limited host skips to the first job that fits: taken from the middle.
                let wanted = Int64(next() % 20_000)
                let index = queue.firstIndex { $0 >= wanted }
                #expect(index == model.firstIndex { $0 >= wanted })
                if let index { #expect(queue.remove(at: index) == model.remove(at: index)) }
            default:
                if !model.isEmpty { #expect(queue.removeFirst() == model.removeFirst()) }
            }
            #expect(queue.count == model.count && queue.isEmpty == model.isEmpty)
        }
        #expect(model.count > 100, "the mix grew the queue past its first buffers")
        #expect(Array(queue) == model)
        while !model.isEmpty { #expect(queue.removeFirst() == model.removeFirst()) }
        #expect(queue.isEmpty && Array(queue).isEmpty)
    }
}
