#if canImport(Glibc)
import Glibc
#endif
import Foundation
@testable import SweepServe
import SweepStore
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
        for epoch in 3...300 {
            let started = Date()
            try f.writer.append(metrics: [MetricRow(job: running.id, attempt: 1, epoch: epoch, name: "loss", value: 1 / Double(epoch))], logs: [])
            slowest = max(slowest, Date().timeIntervalSince(started))
        }
        try f.writer.finishAttempt(job: running.id, attempt: 1, outcome: .ok(summary: nil))
        stop.set()
        Thread.sleep(forTimeInterval: 0.5)
        let seen = statuses.values
        #expect(seen.count > 20 && seen.allSatisfy { $0 == 200 }, "\(seen.count) reads: \(Set(seen))")
        // A writer waiting on readers would wait for its busy timeout (10 s).
        #expect(slowest < 0.5, "slowest write \(slowest) s")
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
}
