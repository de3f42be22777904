import Foundation
import SweepCoordinator
import SweepStore
import SweepTestSupport
import SweepWire
import Testing

/// What transports post from their own threads once their slow part is done (a start, a
/// Slurm job's `scancel`), and the loop's owner-thread check.
struct LoopThreadTests {
    @Test func aStartThatFailsOffTheLoopIsAnUnreachableHostRetriedWithBackoff() throws {
        let a = ScriptedTransport("a", slots: 1)
        let h = try CoordinatorHarness(jobs: 1, transports: [a])
        try h.start()
        #expect(a.starts == 1)
        a.startFailed("cannot copy /tmp/sweep to ~/.cache/sweep/bin/x/sweep: No space left on device")
        try h.step()
        let host = try #require(try h.store.hosts().first { $0.name == "a" })
        #expect(host.state == .unreachable)
        #expect(host.detail == "cannot copy /tmp/sweep to ~/.cache/sweep/bin/x/sweep: No space left on device")
        try h.advance(.milliseconds(999))
        #expect(a.starts == 1, "not before the first backoff")
        try h.advance(.milliseconds(1))
        #expect(a.starts == 2)
        a.ready()
        try h.step()
        #expect(a.runs.count == 1)
    }

    @Test func aSlurmJobThatMayOutliveTheSweepIsReportedAndAReleasedOneIsNot() throws {
        let a = ScriptedTransport("a", slots: 1)
        let b = ScriptedTransport("b", slots: 1)
        let h = try CoordinatorHarness(jobs: 1, transports: [a, b])
        try h.startWithReady(a, b)
        a.released(problem: "scancel --quiet --name=sweep-x-a exited with status 1: timeout; see squeue --name=sweep-x-a")
        b.released(problem: nil)
        try h.step()
        let ranOn = a.runs.isEmpty ? b : a
        ranOn.done(ranOn.runs[0].job)
        try h.step()
        #expect(h.coordinator.isFinished)
        let outcome = try h.coordinator.finish()
        #expect(outcome.hostProblems == ["host a: scancel --quiet --name=sweep-x-a exited with status 1: timeout; see squeue --name=sweep-x-a"])
    }

    #if DEBUG
    /// A loop-only method on another thread than `start()`'s stops a debug build.
    @Test func steppingTheLoopFromAnotherThreadStopsADebugBuild() async {
        await #expect(processExitsWith: .failure) {
            let h = try CoordinatorHarness(jobs: 1, transports: [ScriptedTransport("a", slots: 1)])
            try h.start()
            // This process ends at the assertion, before any deinit: the harness's folder goes
            // now (the open store keeps its files until then).
            try FileManager.default.removeItem(atPath: h.folder.path)
            let other = OtherThread(h)
            other.run { try? $0.step() }
        }
    }

    @Test func steppingTheLoopFromItsOwnThreadDoesNot() async {
        await #expect(processExitsWith: .success) {
            let h = try CoordinatorHarness(jobs: 1, transports: [ScriptedTransport("a", slots: 1)])
            try h.start()
            try h.step()
        }
    }
    #endif
}

/// Hands a harness to one other thread and waits for it there.
private final class OtherThread: @unchecked Sendable {
    // @unchecked: the harness is used by the other thread only while this one waits.
    private let harness: CoordinatorHarness

    init(_ harness: CoordinatorHarness) { self.harness = harness }

    func run(_ body: @escaping @Sendable (CoordinatorHarness) -> Void) {
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread { [self] in
            body(harness)
            done.signal()
        }
        done.wait()
    }
}
