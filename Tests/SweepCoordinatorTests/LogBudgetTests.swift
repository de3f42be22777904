import Foundation
@testable import SweepCoordinator
import SweepCore
import SweepStore
import Testing

/// A worker's log lines are not trusted with the coordinator's disk: each attempt stores at
/// most `LogBudget.maxBytes`, then one line saying the rest was not kept.
@Suite struct LogBudgetTests {
    @Test func anAttemptsStoredLogStopsAtTheCapSayingSoOnceAndTheNextAttemptStartsAfresh() throws {
        let host = ScriptedTransport("a", slots: 1)
        let h = try CoordinatorHarness(jobs: 1, transports: [host]) { $0.maxAttempts = 2 }
        try h.startWithReady(host)
        let job = h.jobs[0]
        let line = String(repeating: "x", count: 64 << 10)
        let lines = LogBudget.maxBytes / line.utf8.count + 20  // 1.3 MiB past the cap
        for _ in 0..<lines { host.log(job, line) }
        host.crashed(job)
        try h.step()
        host.log(job, "second attempt", attempt: 2)
        host.done(job, attempt: 2)
        try h.step()

        let logs = try h.store.logs(of: job)
        let first = logs.filter { $0.attempt == 1 }.map(\.line)
        #expect(first.reduce(0) { $0 + $1.utf8.count + 1 } <= LogBudget.maxBytes + 100)
        #expect(first.filter { $0.hasPrefix("…") } == ["… the rest of this attempt's log is not kept (past 4 MiB)"])
        #expect(first.last == "… the rest of this attempt's log is not kept (past 4 MiB)")
        #expect(logs.filter { $0.attempt == 2 }.map(\.line) == ["second attempt"])
    }
}
