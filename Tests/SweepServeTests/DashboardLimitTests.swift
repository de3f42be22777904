#if canImport(Glibc)
import Glibc
#endif
import Foundation
@testable import SweepServe
import SweepStore
import SweepViews
import Testing

/// Huge, malformed, slow and too many requests: each answered with its status, the
/// connection closed, and the server still serving.
@Suite struct DashboardLimitTests {
    @Test func hugeAndMalformedRequestsAreRefusedAndClosed() throws {
        let f = try DashboardFixture()
        let host = "Host: 127.0.0.1:\(f.port)\r\n"
        let cases: [(String, [UInt8], Int)] = [
            ("a 20 KiB header", Array("GET / HTTP/1.1\r\n\(host)X-Big: \(String(repeating: "a", count: 20_000))\r\n\r\n".utf8), 431),
            ("a 1 MiB head without an end", Array(("GET / HTTP/1.1\r\n" + String(repeating: "X-A: b\r\n", count: 131_072)).utf8), 431),
            ("a 3 KiB URL", Array("GET /\(String(repeating: "a", count: 3000)) HTTP/1.1\r\n\(host)\r\n".utf8), 414),
            ("65 headers", Array(("GET / HTTP/1.1\r\n\(host)" + (0..<65).map { "X-\($0): 1\r\n" }.joined() + "\r\n").utf8), 431),
            ("no version", Array("GET /\r\n\(host)\r\n".utf8), 400),
            ("HTTP/2 preface", Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8), 400),
            ("an absolute URL", Array("GET http://127.0.0.1/ HTTP/1.1\r\n\(host)\r\n".utf8), 400),
            ("a bad escape", Array("GET /api/sweeps/%zz HTTP/1.1\r\n\(host)\r\n".utf8), 400),
            ("an escape that is not UTF-8", Array("GET /api/sweeps/%ff HTTP/1.1\r\n\(host)\r\n".utf8), 400),
            ("a NUL in a sweep name", Array("GET /api/sweeps/alpha%00x HTTP/1.1\r\n\(host)\r\n".utf8), 400),
            ("a NUL at a name's end", Array("GET /api/sweeps/alpha%00 HTTP/1.1\r\n\(host)\r\n".utf8), 400),
            ("a control character in a name", Array("GET /api/sweeps/alpha%0a HTTP/1.1\r\n\(host)\r\n".utf8), 400),
            ("a slash inside a name", Array("GET /api/sweeps/alpha%2Fjobs HTTP/1.1\r\n\(host)\r\n".utf8), 400),
            ("a slash inside a route", Array("GET /api%2Fsweeps HTTP/1.1\r\n\(host)\r\n".utf8), 400),
            ("a NUL in a job number", Array("GET /api/jobs/1%00 HTTP/1.1\r\n\(host)\r\n".utf8), 400),
            ("a truncated escape", Array("GET /api/sweeps/alpha%0 HTTP/1.1\r\n\(host)\r\n".utf8), 400),
            ("an overlong UTF-8 slash", Array("GET /api/sweeps/alpha%c0%af HTTP/1.1\r\n\(host)\r\n".utf8), 400),
            ("a NUL in the query", Array("GET /api/sweeps/alpha/curves?metric=loss%00x HTTP/1.1\r\n\(host)\r\n".utf8), 400),
            ("a header without a colon", Array("GET / HTTP/1.1\r\n\(host)nonsense\r\n\r\n".utf8), 400),
            ("binary bytes", [0x47, 0x45, 0x54, 0x20, 0x2F, 0x00, 0xFF, 0x20] + Array(" HTTP/1.1\r\n\r\n".utf8), 400),
            ("a bare LF request", Array("GET /api/sweeps HTTP/1.1\nHost: 127.0.0.1:\(f.port)\n\n".utf8), 200),
        ]
        for (name, bytes, status) in cases {
            let response = try f.http.exchange(bytes)
            #expect(response.status == status, "\(name): \(response.status) \(response.body.prefix(200))")
            #expect(response.closed, "\(name): the connection stays open")
        }
        #expect(try f.http.get("/api/sweeps").status == 200, "still serving")
        // A job is found by its number as written, or a prefix of its key: never by LIKE's
        // wildcards (%, _) or another spelling of the number.
        for reference in ["%25%25%25%25", "____", "2eeb%25", "+1", "01", "%201"] {
            #expect(try f.http.get("/api/jobs/\(reference)").status == 404, "\(reference)")
        }
        let key = try f.writer.jobs(of: f.alpha.id)[0].key
        #expect(try f.http.get("/api/jobs/1").status == 200 && f.http.get("/api/jobs/\(key.prefix(6).uppercased())").status == 200)
        let nul = try f.http.get("/api/sweeps/alpha%00beta")
        #expect(nul.body.contains("path segment 3 decodes to a control character (U+0000)"), "\(nul.body)")
        #expect(try f.http.get("/api/sweeps/alpha").status == 200)
    }

    /// A 300,000-epoch job's metrics: the answer is a bounded number of points whatever the
    /// job's length, says it was downsampled, and keeps the curve's ends and extremes.
    @Test func aLongJobsMetricsAreDownsampledToABoundedAnswer() throws {
        let f = try DashboardFixture()
        let job = try f.writer.jobs(of: f.beta.id)[1]
        let attempt = try f.writer.startAttempt(job: job.id, host: "local")
        let epochs = 300_000
        // A slow wave with one sharp dip and one sharp peak that downsampling must not lose.
        func loss(_ epoch: Int) -> Double {
            epoch == 123_457 ? -50 : epoch == 234_567 ? 70 : sin(Double(epoch) / 5_000)
        }
        for start in stride(from: 1, through: epochs, by: 50_000) {
            try f.writer.append(metrics: (start..<start + 50_000).flatMap { epoch in
                [MetricRow(job: job.id, attempt: attempt, epoch: epoch, name: "loss", value: loss(epoch)),
                 MetricRow(job: job.id, attempt: attempt, epoch: epoch, name: "acc", value: Double(epoch) / Double(epochs))]
            }, logs: [])
        }
        let response = try f.http.get("/api/jobs/\(job.id)/metrics", timeout: 120)
        #expect(response.status == 200)
        // 2 curves of at most 2,000 points, each point two short numbers.
        #expect(response.body.utf8.count < 200_000, "\(response.body.utf8.count) bytes")
        let answer = try #require(try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any])
        let metrics = try #require(answer["metrics"] as? [String: [String: Any]])
        for name in ["loss", "acc"] {
            let curve = try #require(metrics[name])
            let shown = try #require(curve["epochs"] as? [Int]), values = try #require(curve["values"] as? [Double])
            #expect(curve["downsampled"] as? Bool == true && curve["count"] as? Int == epochs)
            #expect(shown.count == values.count && shown.count <= DashboardRoutes.maxPointsPerCurve && shown.count > 100)
            #expect(shown.first == 1 && shown.last == epochs && zip(shown, shown.dropFirst()).allSatisfy { $0 < $1 })
            for (epoch, value) in zip(shown, values) {
                // Foundation's JSON reader may round the last digit.
                #expect(abs(value - (name == "loss" ? loss(epoch) : Double(epoch) / Double(epochs))) < 1e-12, "\(name) at \(epoch)")
            }
        }
        let loss = try #require(metrics["loss"]?["values"] as? [Double])
        #expect(loss.min() == -50 && loss.max() == 70)
        // The sweep's curve of that configuration (its one running seed) is bounded the same way.
        let curves = try #require(try f.json("/api/sweeps/beta/curves?metric=loss&show=1") as? [String: Any])
        let curve = try #require((curves["curves"] as? [[String: Any]])?.first)
        let epochsShown = try #require(curve["epochs"] as? [Int]), means = try #require(curve["mean"] as? [Double])
        #expect(curve["downsampled"] as? Bool == true && curve["count"] as? Int == epochs && curve["seeds"] as? Int == 1)
        #expect(epochsShown.count == means.count && epochsShown.count <= DashboardRoutes.maxPointsPerCurve)
        #expect(epochsShown.first == 1 && epochsShown.last == epochs && means.min() == -50 && means.max() == 70)
        #expect((curve["sd"] as? [Any])?.allSatisfy { $0 is NSNull } == true)
        // A short job's curve comes whole.
        let short = try #require(try f.json("/api/jobs/1/metrics") as? [String: Any])
        let whole = try #require((short["metrics"] as? [String: [String: Any]])?["loss"])
        #expect(whole["downsampled"] as? Bool == false && (whole["epochs"] as? [Int]) == [1, 2, 3, 4, 5])
    }

    @Test func aClientTooSlowToSendItsHeadIsCutOff() throws {
        var limits = DashboardServer.Limits()
        limits.headSeconds = 1
        let f = try DashboardFixture(limits: limits)
        let fd = try f.http.connect()
        defer { close(fd) }
        _ = "GET / HTTP/1.1\r\n".withCString { send(fd, $0, 16, Int32(MSG_NOSIGNAL)) }
        // The read's own limit is the hang guard: without the server's timeout no 408 comes.
        let response = try f.http.read(fd, timeout: 60)
        #expect(response.status == 408 && response.closed)
    }

    @Test func connectionsBeyondTheLimitAreTurnedAway() throws {
        var limits = DashboardServer.Limits()
        limits.connections = 2
        limits.headSeconds = 3
        let f = try DashboardFixture(limits: limits)
        // Two idle clients hold both places...
        let held = try (0..<2).map { _ in try f.http.connect() }
        Thread.sleep(forTimeInterval: 0.3)
        let turned = try f.http.get("/api/sweeps")
        #expect(turned.status == 503 && turned.closed)
        held.forEach { close($0) }
        // ...and once they go, the places are free again.
        var status = 0
        for _ in 0..<50 where status != 200 {
            Thread.sleep(forTimeInterval: 0.1)
            status = try f.http.get("/api/sweeps").status
        }
        #expect(status == 200)
    }

    /// The coordinator's writes go on at their pace while clients read as fast as they can:
    /// readers are WAL readers and never hold the writer up.
    @Test func readersNeverBlockTheWriter() throws {
        let f = try DashboardFixture()
        let jobs = try f.writer.jobs(of: f.alpha.id)
        let running = try #require(jobs.last)
        let stop = ManagedAtomicFlag()
        let statuses = ResultBox()
        let readers = (0..<4).map { index in
            Thread { [http = f.http!] in
                let paths = ["/api/sweeps/alpha/jobs?sort=metric", "/api/sweeps/alpha/curves", "/api/sweeps/alpha", "/api/sweeps/alpha/report"]
                while !stop.isSet {
                    let status = (try? http.get(paths[index % paths.count]).status) ?? -1
                    statuses.add(status)
                }
            }
        }
        readers.forEach { $0.start() }
        Thread.sleep(forTimeInterval: 0.2)
        var slowest = 0.0
        // At least 300 writes, and on until the readers have read 20 times meanwhile (however
        // slow a busy machine makes them; 60 s is a hang guard).
        let hangGuard = Date().addingTimeInterval(60)
        var epoch = 3
        while epoch <= 300 || (statuses.values.count <= 20 && Date() < hangGuard) {
            let started = Date()
            try f.writer.append(metrics: [MetricRow(job: running.id, attempt: 1, epoch: epoch, name: "loss", value: 1 / Double(epoch))], logs: [])
            slowest = max(slowest, Date().timeIntervalSince(started))
            epoch += 1
        }
        try f.writer.finishAttempt(job: running.id, attempt: 1, outcome: .ok(summary: nil))
        stop.set()
        Thread.sleep(forTimeInterval: 0.5)
        let seen = statuses.values
        #expect(seen.count > 20 && seen.allSatisfy { $0 == 200 }, "\(seen.count) reads: \(Set(seen))")
        // A writer waiting on readers would wait for its busy timeout (10 s) and then fail;
        // anything well under it is a machine's load, not a blocked writer.
        #expect(slowest < 8, "slowest write \(slowest) s")
        let status = try #require(try f.json("/api/sweeps/alpha?brief=1") as? [String: Any])
        #expect((status["counts"] as? [String: Int])?["done"] == 4)
    }
}

/// A flag set once, read from other threads.
final class ManagedAtomicFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}

/// Statuses gathered from reader threads.
final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var all: [Int] = []
    var values: [Int] { lock.withLock { all } }
    func add(_ value: Int) { lock.withLock { all.append(value) } }

    /// `/api/sweeps/NAME` lists the first 1,000 jobs of a bigger sweep and says how many it
    /// left out (the CLI's `status --json` lists them all); the brief form is unchanged.
    @Test func aSweepsStatusListsAtMostAThousandJobs() throws {
        let f = try DashboardFixture()
        let delta = try f.register("delta", #"{"name": "delta", "workload": "probe", "base": {"epochs": 1, "value": 7}, "seeds": 1003}"#)
        let jobs = try f.writer.jobs(of: delta.id)
        try f.run(jobs[0], epochs: 1, finish: true)
        try f.run(jobs[1002], epochs: 1, finish: true)
        let status = try #require(try f.json("/api/sweeps/delta") as? [String: Any])
        let listed = try #require(status["jobs"] as? [[String: Any]])
        #expect(listed.count == 1_000 && status["jobs_omitted"] as? Int == 3)
        #expect(listed.map { $0["job"] as? Int } == jobs.prefix(1_000).map { Int($0.id) }, "the first in spec order")
        #expect(listed[0]["final"] != nil && !(listed[0]["final"] is NSNull), "a listed done job keeps its result: \(listed[0])")
        #expect(try f.cli { try JSONOutput.status($0, sweep: delta, brief: false) }.contains(#""jobs_omitted""#) == false)
        #expect(try f.http.get("/api/sweeps/delta?brief=1").body == (try f.cli { try JSONOutput.status($0, sweep: delta, brief: true) }))
    }
}
