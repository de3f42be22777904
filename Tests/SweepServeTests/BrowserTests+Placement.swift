import SweepCore
@testable import SweepServe
import SweepStore
import Testing

extension BrowserTests {
    /// A job's attempts say what ran them in their host kind's terms, as text: a Slurm
    /// attempt its job and node, a local one nothing more than its host.
    @Test func aJobsAttemptsShowTheirPlacement() throws {
        let f = try DashboardFixture()
        let job = try #require(try f.writer.jobs(of: f.beta.id).last)
        let machine = AttemptMachine(os: nil, cpu: nil, cores: 1, sweepVersion: "0.1.0", binaryHash: "ab",
                                     placement: Placement(kind: "slurm", id: "42", node: "n3<img src=x>"))
        let first = try f.writer.startAttempt(job: job.id, host: "c.1", machine: machine)
        _ = try f.writer.finishAttempt(job: job.id, attempt: first, outcome: .lost(reason: "node failure"))
        let local = AttemptMachine(os: nil, cpu: nil, cores: 1, sweepVersion: "0.1.0", binaryHash: "ab", placement: Placement(kind: "local"))
        _ = try f.writer.startAttempt(job: job.id, host: "local", machine: local)
        let dom = try Chromium.dumpDOM(f.dashboard.url + "#/sweep/beta/job/\(job.id)")
        #expect(dom.contains("<td>c.1 (slurm job 42 on n3&lt;img src=x&gt;)</td>"), "\(dom)")
        #expect(dom.contains("<td>local</td>") && !dom.contains("<img src=x"), "\(dom)")
    }
}
