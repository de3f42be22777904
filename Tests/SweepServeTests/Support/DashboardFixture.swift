import Foundation
import SweepCore
import SweepSpec
@testable import SweepServe
import SweepStore
import SweepTestSupport
import Testing
import Workloads

/// A store filled through SweepStore's API, as a coordinator fills it, with a dashboard
/// serving it on a free loopback port.
///
/// Sweep `alpha` (probe, value 1 and 2, 2 seeds, 5 epochs): jobs of value 1 done, of value
/// 2 one done and one running at epoch 2. Sweep `beta` (command): two jobs whose config
/// holds markup, one done.
final class DashboardFixture: @unchecked Sendable {
    private let folder: TemporaryFolder
    var directory: URL { folder.url }
    let database: String
    /// The store's writer, as a coordinator would hold it.
    let writer: StoreWriter
    var dashboard: Dashboard!
    var http: RawHTTP!
    var port: Int { http.port }
    var alpha: SweepInfo!
    var beta: SweepInfo!
    let markup = "<img src=x onerror=alert(1)>"

    init(limits: DashboardServer.Limits = DashboardServer.Limits(), token: AccessToken? = nil) throws {
        folder = try TemporaryFolder("sweep-serve")
        database = folder.file("sweep.sqlite")
        writer = try StoreWriter(path: database, coordinating: "alpha")
        alpha = try register("alpha", #"""
            {"name": "alpha", "workload": "probe", "base": {"epochs": 5}, "grid": {"value": [1, 2]}, "seeds": 2,
             "report": {"tables": [{"rows": ["value"], "metrics": ["loss"], "window": 2,
                                     "differences": [{"param": "value", "values": [2, 1]}]}]}}
            """#)
        beta = try register("beta", #"""
            {"name": "beta", "workload": "command", "base": {"command": "true", "label": "\#(markup)"}, "grid": {"width": [1, 2]}}
            """#)
        let jobs = try writer.jobs(of: alpha.id)
        for (index, job) in jobs.enumerated() {
            try run(job, epochs: index == 3 ? 2 : 5, finish: index != 3)
        }
        try run(try writer.jobs(of: beta.id)[0], epochs: 3, finish: true)
        try start(limits: limits, token: token)
    }

    /// Serves the store on a free port (again, after `dashboard.stop()`); `observe` sees
    /// each request before it is answered.
    func start(limits: DashboardServer.Limits = DashboardServer.Limits(), token: AccessToken? = nil,
               observe: (@Sendable (HTTPRequest) -> Void)? = nil) throws {
        dashboard = try Dashboard(databasePath: database, host: "127.0.0.1", port: 0, workloads: WorkloadRegistry.all, limits: limits,
                                  token: token, observe: observe)
        let served = dashboard!
        Thread.detachNewThread { served.run() }
        http = RawHTTP(port: Int(URL(string: served.url)!.port!))
    }

    deinit {
        dashboard?.stop()
    }

    func register(_ name: String, _ spec: String) throws -> SweepInfo {
        let plan = try SweepSpec(document: SpecDocument(file: "\(name).json", text: spec), workloads: WorkloadRegistry.all).plan()
        return try writer.register(name: name, workload: plan.jobs[0].workload, specPath: "\(name).json", specText: spec,
                                   jobs: plan.jobs.map { NewJob(key: $0.key, workload: $0.workload, config: $0.config) }).sweep
    }

    /// The loss a job reports at an epoch: value / epoch + seed / 10, so means and sds are known.
    static func loss(_ job: StoredJob, epoch: Int) -> Double {
        (job.config["value"]?.doubleValue ?? 1) / Double(epoch) + Double(job.config.int("seed")) / 10
    }

    /// Starts an attempt, records `epochs` epochs of loss and acc, and finishes it ok if asked.
    func run(_ job: StoredJob, epochs: Int, finish: Bool) throws {
        let attempt = try writer.startAttempt(job: job.id, host: "local")
        let rows = (1...epochs).flatMap { epoch in
            [MetricRow(job: job.id, attempt: attempt, epoch: epoch, name: "loss", value: Self.loss(job, epoch: epoch)),
             MetricRow(job: job.id, attempt: attempt, epoch: epoch, name: "acc", value: 1 - 1 / Double(epoch + 1))]
        }
        try writer.append(metrics: rows, logs: [(job.id, attempt, "epoch \(epochs) of job \(job.id) \(markup)")])
        if finish { try writer.finishAttempt(job: job.id, attempt: attempt, outcome: .ok(summary: ["epochs": .int(epochs)])) }
    }

    /// Sweep `gamma`: probe, value 3, `seeds` seeds of 5 epochs; seed 0 done, every other
    /// stopped by asha at epoch 1 + its number mod 3, as a coordinator records a stop.
    func registerStoppedSweep(seeds: Int) throws -> SweepInfo {
        let gamma = try register("gamma", #"""
            {"name": "gamma", "workload": "probe", "base": {"epochs": 5, "value": 3}, "seeds": \#(seeds),
             "objective": {"metric": "loss", "mode": "min"}, "stop": {"rule": "asha"}}
            """#)
        for (index, job) in try writer.jobs(of: gamma.id).enumerated() {
            let epochs = index == 0 ? 5 : 1 + index % 3
            try run(job, epochs: epochs, finish: index == 0)
            guard index > 0 else { continue }
            let decision = StopDecision(sweep: gamma.id, rule: "asha", epoch: epochs, reason: "stopped at epoch \(epochs) by asha")
            try writer.finishAttempt(job: job.id, attempt: 1, outcome: .stopped(decision, stderrTail: nil))
        }
        return gamma
    }

    /// The canonical JSON the CLI would print, from a fresh read-only store, with its newline.
    func cli(_ value: (StoreReader) throws -> JSONValue) throws -> String {
        try value(try StoreReader(path: database)).canonicalText + "\n"
    }

    func json(_ path: String) throws -> Any {
        let response = try http.get(path)
        try #require(response.status == 200, "\(path): \(response.status) \(response.body)")
        return try JSONSerialization.jsonObject(with: Data(response.body.utf8))
    }
}
