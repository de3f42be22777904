#if canImport(Glibc)
import Glibc
#endif
import Foundation
import SweepRuntime
import SweepWire
import Testing

/// The worker's loop with real runner processes (shell scripts) and real time, in
/// fractions of a second: dispatch, heartbeats, timeouts, crashes, cancel, drain, shutdown.
@Suite(.serialized) struct WorkerTests {
    @Test func itSaysReadyRunsJobsUpToItsSlotsAndHeartbeats() throws {
        let worker = WorkerHarness(slots: 1)
        for job in 1...3 { worker.run(Int64(job)) }
        #expect(worker.wait { worker.results.count == 3 })
        guard case .ready(let info)? = worker.messages.first else {
            Issue.record("the first message is not ready: \(worker.messages.first.map { "\($0)" } ?? "none")")
            return
        }
        #expect(info.slots == 1)
        #expect(worker.results.values.allSatisfy { $0.status == .ok })
        #expect(worker.wait { worker.messages.contains { if case .heartbeat = $0 { true } else { false } } })
        #expect(worker.liveRunners.count == 1, "one slot: one runner served the three jobs")
        #expect(worker.closeInput())
    }

    @Test func aJobPastItsTimeoutIsKilledAndReportedAsTimedOut() throws {
        let worker = WorkerHarness(slots: 1)
        let started = Date()
        worker.run(1, value: "sleep", timeout: 0.3)
        #expect(worker.wait { worker.results[1] != nil })
        #expect(Date().timeIntervalSince(started) < 60)  // A hang guard only: how fast is for benchmarks, not tests (a busy machine is slow).
        let result = try #require(worker.results[1])
        #expect(result.status == .failed && !result.reportedByJob)
        #expect(result.error == "timed out after 0.3 s")
        #expect(worker.closeInput())
    }

    @Test func aCrashingRunnerFailsItsJobWithTheSignalAndStderrAndANewRunnerTakesTheNext() throws {
        let worker = WorkerHarness(slots: 1)
        worker.run(1, value: "crash")
        worker.run(2)
        #expect(worker.wait { worker.results.count == 2 })
        let crashed = try #require(worker.results[1])
        #expect(crashed.status == .failed && crashed.signal == SIGSEGV && !crashed.reportedByJob)
        #expect(crashed.error?.contains("SIGSEGV") == true)
        #expect(crashed.stderrTail == "dying")
        #expect(worker.results[2]?.status == .ok)
        #expect(worker.closeInput())
    }

    /// A runner's stderr and stdout are two pipes: its last stderr line for job 1 can reach
    /// the loop after job 1's `finished`, when the runner holds job 2. The line is job 1's.
    @Test func aJobsLastStderrLineIsNotTheNextJobsWhenItArrivesAfterItsFinished() throws {
        let worker = WorkerHarness(slots: 1)
        worker.run(1, value: "trailing")
        worker.run(2, value: "crash")
        #expect(worker.wait { worker.results.count == 2 })
        #expect(worker.results[1]?.status == .ok)
        let crashed = try #require(worker.results[2])
        #expect(crashed.stderrTail == "dying", "job 2's tail holds only its own stderr")
        let logs = worker.messages.compactMap { message -> (job: Int64, line: String)? in
            if case .log(let job, _, let line) = message { (job, line) } else { nil }
        }
        #expect(logs.filter { $0.job == 2 }.map(\.line) == ["dying"])
        #expect(worker.closeInput())
    }

    @Test func cancelKillsARunningJobAndDropsAQueuedOne() throws {
        let worker = WorkerHarness(slots: 1)
        worker.run(1, value: "sleep")
        worker.run(2)
        #expect(worker.wait { worker.liveRunners.count == 1 })
        worker.send(.cancel(job: 2))
        worker.send(.cancel(job: 1))
        #expect(worker.wait { worker.results.count == 2 })
        #expect(worker.results[1]?.status == .cancelled)
        #expect(worker.results[2]?.error == "cancelled before it started")
        #expect(worker.closeInput())
    }

    @Test func closingItsInputKillsAndReapsItsRunnersAndReturns() throws {
        let worker = WorkerHarness(slots: 2)
        worker.run(1, value: "sleep")
        worker.run(2, value: "sleep")
        #expect(worker.wait { worker.liveRunners.count == 2 })
        let started = Date()
        #expect(worker.closeInput())
        #expect(Date().timeIntervalSince(started) < 60)  // A hang guard only: how fast is for benchmarks, not tests (a busy machine is slow).
        #expect(worker.liveRunners.isEmpty, "no runner left, not even a zombie")
    }

    @Test func aDrainFinishesTheRunningJobThenReturns() throws {
        let worker = WorkerHarness(slots: 1)
        worker.run(1)
        worker.send(.drain)
        #expect(worker.hasServed(within: 5))
        #expect(worker.wait { worker.results[1]?.status == .ok })
    }

    /// A drain ends what has not started (said so, for the coordinator to run it later),
    /// refuses new runs, finishes the running job and returns.
    @Test func aDrainCancelsQueuedAndLaterRunsAndFinishesTheRunningOne() throws {
        let worker = WorkerHarness(slots: 1)
        worker.run(1, value: "sleep")
        worker.run(2)
        #expect(worker.wait { worker.liveRunners.count == 1 })
        worker.send(.drain)
        worker.run(3)
        #expect(worker.wait { worker.results[2] != nil && worker.results[3] != nil })
        for job: Int64 in [2, 3] {
            #expect(worker.results[job]?.status == .cancelled && worker.results[job]?.error == "not started: the worker was drained")
        }
        #expect(worker.results[1] == nil, "the running job is left to finish")
        worker.send(.cancel(job: 1))
        #expect(worker.hasServed(within: 60))
        // The harness reads the worker's output on a thread of its own: the last line may
        // arrive just after `serve()` returned.
        #expect(worker.wait { worker.results[1] != nil })
        #expect(worker.results[1]?.status == .cancelled)
    }
}
