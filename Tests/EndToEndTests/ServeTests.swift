import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import SweepStore
import SweepTestSupport
import Testing

/// `sweep serve` as a user runs it: beside a real coordinator, answering what `list --json`
/// and `status --json` print, and stopping cleanly on Ctrl-C.
@Suite(.serialized) struct ServeTests {
    /// Loopback only, never through a proxy from the environment.
    static let session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.connectionProxyDictionary = [:]
        return URLSession(configuration: configuration)
    }()

    static func get(_ url: String) async throws -> (status: Int, body: String) {
        let (data, response) = try await session.data(from: URL(string: url)!)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }

    /// Starts `sweep serve --port 0` and returns it with the URL it printed.
    static func serve(_ sandbox: SweepSandbox, _ extra: [String] = []) throws -> (Run, String) {
        let serve = try sandbox.start(["serve", "--port", "0"] + extra)
        var url: String?
        _ = sandbox.waitUntil(timeout: 30) {
            let text = serve.stdout
            url = text.range(of: #"http://\S+"#, options: .regularExpression).map { String(text[$0]) }
            return url != nil
        }
        return (serve, try #require(url, "\(serve.stdout)\n\(serve.stderr)"))
    }

    @Test func servesWhatTheCLIPrintsWhileASweepRunsAndStopsOnCtrlC() async throws {
        let sandbox = try SweepSandbox()
        try sandbox.write("w.json", #"{"name": "w", "workload": "probe", "base": {"epochs": 30, "sleep_ms": 150}, "grid": {"value": [1, 2, 3, 4]}}"#)
        let (serve, url) = try Self.serve(sandbox)
        #expect(url.hasPrefix("http://127.0.0.1:") && !url.contains("token"))
        // Before any launch: no database yet, said so.
        let early = try await Self.get(url + "api/sweeps")
        #expect(early.status == 503 && early.body.contains("no sweep database"), "\(early)")

        let started = Date()
        let launch = try sandbox.start(["launch", "w.json", "--local-slots", "2", "--quiet"])
        #expect(sandbox.waitUntil(timeout: 30) { StoreReader.writer(databasePath: sandbox.database)?.sweep == "w" })
        // Readers as fast as they come while the coordinator writes every epoch.
        var rounds = 0, sawRunning = false
        while launch.process.isRunning, Date().timeIntervalSince(started) < 120 {
            // A round that starts with the coordinator running: read beside it, not after.
            let status = try await Self.get(url + "api/sweeps/w?brief=1")
            if status.body.contains(#""coordinator":{"#) {
                sawRunning = true
                rounds += 1
            }
            for path in ["api/sweeps/w/jobs?sort=metric", "api/sweeps/w/curves", "api/sweeps/w/report"] {
                let answer = try await Self.get(url + path)
                #expect(answer.status == 200, "\(path): \(answer.body)")
            }
        }
        launch.wait(timeout: 120)
        #expect(launch.status == 0, "\(launch.stderr)")
        #expect(rounds >= 1 && sawRunning, "\(rounds) rounds of reads while the coordinator ran")

        let list = try await Self.get(url + "api/sweeps"), listed = try sandbox.run(["list", "--json"]).stdout
        #expect(list.status == 200 && list.body == listed)
        let status = try await Self.get(url + "api/sweeps/w"), printed = try sandbox.run(["status", "w", "--json"]).stdout
        #expect(status.body == printed && status.body.contains(#""done":4"#))
        let logs = try await Self.get(url + "api/jobs/1"), logged = try sandbox.run(["logs", "1", "--json"]).stdout
        #expect(logs.body == logged)

        kill(serve.process.processIdentifier, SIGINT)
        serve.wait(timeout: 10)
        #expect(serve.status == 0 && serve.stdout.hasSuffix("stopped\n"), "\(serve.stdout)\n\(serve.stderr)")
    }

    /// Bound to a loopback address other than 127.0.0.1, the dashboard answers as that
    /// address (and localhost), with no token; other names are still refused (421).
    @Test func anyLoopbackAddressIsServedAsItself() async throws {
        let sandbox = try SweepSandbox()
        let (serve, url) = try Self.serve(sandbox, ["--host", "127.0.0.2"])
        defer { kill(serve.process.processIdentifier, SIGINT); serve.wait(timeout: 10) }
        #expect(url.hasPrefix("http://127.0.0.2:") && !url.contains("token"), "\(url)")
        let page = try await Self.get(url)
        #expect(page.status == 200 && page.body.contains("<script src=\"/app.js\""), "\(page.status) \(page.body.prefix(200))")
        let api = try await Self.get(url + "api/sweeps")
        #expect(api.status == 503 && api.body.contains("no sweep database"), "\(api)")
        let port = try #require(URL(string: url)?.port)
        #expect(try Self.curlStatus(url, host: "localhost:\(port)") == 200)
        #expect(try Self.curlStatus(url, host: "127.0.0.1:\(port)") == 421)
        #expect(try Self.curlStatus(url, host: "evil.example:\(port)") == 421)
    }

    /// The status curl gets for `url` sent with this `Host` header.
    static func curlStatus(_ url: String, host: String) throws -> Int {
        let curl = try Program.run("/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--noproxy", "*", "--max-time", "30",
                                                     "-H", "Host: \(host)", url])
        return Int(curl.stdout) ?? -1
    }

    @Test func aHostThatIsNoNumericAddressOrABadPortIsUsage() throws {
        let sandbox = try SweepSandbox()
        let bad = try sandbox.run(["serve", "--host", "example.org"])
        #expect(bad.status == 64 && bad.stderr.contains("--host: expected a numeric IPv4 or IPv6 address"), "\(bad.stderr)")
        let port = try sandbox.run(["serve", "--port", "70000"])
        #expect(port.status == 64, "\(port.stderr)")
    }
}
