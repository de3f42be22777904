import Foundation
import SweepCore
import SweepSpec
@testable import SweepServe
import SweepStore
import SweepTestSupport
import Testing
import Workloads

/// How fast a 10,000-job sweep's page is ready: its store built through SweepStore (100
/// configurations x 100 seeds, 20 epochs of 2 metrics: 400,000 metric rows), then every
/// request the sweep's page makes, timed, and the page in Chromium. Run with
/// `SWEEP_SERVE_BENCH=1 swift test --filter DashboardBenchmarkTests`; the store is kept at
/// `$SWEEP_SERVE_BENCH_DB` when set, for timing a release `sweep serve` on it
/// (docs/benchmarks.md).
@Suite(.enabled(if: ProcessInfo.processInfo.environment["SWEEP_SERVE_BENCH"] == "1", "a benchmark: set SWEEP_SERVE_BENCH=1"))
struct DashboardBenchmarkTests {
    @Test func aTenThousandJobSweepsPage() throws {
        let scratch = try TemporaryFolder("sweep-serve-bench")
        let path = ProcessInfo.processInfo.environment["SWEEP_SERVE_BENCH_DB"] ?? scratch.file("sweep.sqlite")
        if !FileManager.default.fileExists(atPath: path) { try Self.fill(path) }
        let dashboard = try Dashboard(databasePath: path, port: 0, workloads: WorkloadRegistry.all)
        Thread.detachNewThread { dashboard.run() }
        defer { dashboard.stop() }
        let http = RawHTTP(port: Int(URL(string: dashboard.url)!.port!))
        let page = ["/", "/app.js", "/style.css", "/api/version", "/api/sweeps/big?brief=1", "/api/sweeps/big/summary",
                    "/api/sweeps/big/curves", "/api/sweeps/big/jobs?offset=0&limit=50&sort=job&order=asc&state=&q=", "/api/sweeps/big/report"]
        for pass in ["cold", "warm"] {
            var total = 0.0
            for request in page {
                let started = Date()
                let response = try http.get(request, timeout: 120)
                let seconds = Date().timeIntervalSince(started)
                total += seconds
                #expect(response.status == 200, "\(request): \(response.body.prefix(200))")
                print(String(format: "bench serve %@ %-70@ %7.1f ms %9d bytes", pass, request, seconds * 1000, response.body.utf8.count))
            }
            print(String(format: "bench serve %@ all requests one after another: %.1f ms", pass, total * 1000))
        }
        let sorted = Date()
        #expect(try http.get("/api/sweeps/big/jobs?sort=metric&order=desc&q=value").status == 200)
        print(String(format: "bench serve jobs sorted by metric, filtered: %.1f ms", Date().timeIntervalSince(sorted) * 1000))
        let ranged = Date()
        let brushed = try http.get("/api/sweeps/big/jobs?limit=50&ranges=%7B%22value%22%3A%5B20%2C40%5D%7D")
        #expect(brushed.status == 200 && brushed.body.contains(#""matched":2100"#), "\(brushed.body.prefix(300))")
        print(String(format: "bench serve jobs in a brushed range of value: %.1f ms", Date().timeIntervalSince(ranged) * 1000))
        if Chromium.path != nil {
            let (dom, seconds) = try Chromium.run(["--virtual-time-budget=3000", "--dump-dom", dashboard.url + "#/sweep/big"])
            #expect(dom.contains(">10000 done<"), "\(dom.prefix(3000))")
            print(String(format: "bench serve chromium: sweep page dumped in %.2f s (browser start included)", seconds))
        }
    }

    static func fill(_ path: String) throws {
        let spec = #"{"name": "big", "workload": "probe", "base": {"epochs": 20}, "grid": {"value": [\#((1...100).map(String.init).joined(separator: ", "))]}, "seeds": 100}"#
        let plan = try SweepSpec(document: SpecDocument(file: "big.json", text: spec), workloads: WorkloadRegistry.all).plan()
        let store = try StoreWriter(path: path)
        let sweep = try store.register(name: "big", workload: "probe", specPath: "big.json", specText: spec,
                                       jobs: plan.jobs.map { NewJob(key: $0.key, workload: $0.workload, config: $0.config) }).sweep
        var rows: [MetricRow] = []
        for job in try store.jobs(of: sweep.id) {
            let attempt = try store.startAttempt(job: job.id, host: "local")
            for epoch in 1...20 {
                let value = job.config["value"]?.doubleValue ?? 1
                rows.append(MetricRow(job: job.id, attempt: attempt, epoch: epoch, name: "loss", value: value / Double(epoch) + Double(job.config.int("seed")) / 100))
                rows.append(MetricRow(job: job.id, attempt: attempt, epoch: epoch, name: "acc", value: 1 - 1 / Double(epoch + 1)))
            }
            if rows.count > 20_000 {
                try store.append(metrics: rows, logs: [])
                rows.removeAll(keepingCapacity: true)
            }
            try store.append(metrics: rows, logs: [])
            rows.removeAll(keepingCapacity: true)
            try store.finishAttempt(job: job.id, attempt: attempt, outcome: .ok(summary: nil))
        }
    }
}
