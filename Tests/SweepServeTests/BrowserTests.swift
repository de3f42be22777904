import Foundation
import SweepCore
@testable import SweepServe
import SweepStore
import Testing

/// The page in a real browser (Debian's headless Chromium): what a user sees, read from the
/// DOM after the page's own script ran.
@Suite(.serialized, .enabled(if: Chromium.path != nil, "chromium is not installed: apt-get install chromium"))
struct BrowserTests {
    @Test func theOverviewNamesTheSweepsAndTheirCounts() throws {
        let f = try DashboardFixture()
        let dom = try Chromium.dumpDOM(f.dashboard.url)
        #expect(dom.contains(#"data-ready="1""#), "\(dom.prefix(2000))")
        let alpha = try #require(Self.card("alpha", in: dom), "\(dom)")
        #expect(alpha.contains(">3 done<") && alpha.contains(">1 running<") && alpha.contains("3/4 done"), "\(alpha)")
        #expect(alpha.contains(">probe<") && alpha.contains("local (1)"), "hosts in use: \(alpha)")
        let beta = try #require(Self.card("beta", in: dom))
        #expect(beta.contains(">1 done<") && beta.contains(">1 pending<") && beta.contains("1/2 done"), "\(beta)")
    }

    @Test func aSweepShowsItsCurvesWithDataPointsJobsAndReport() throws {
        let f = try DashboardFixture()
        let dom = try Chromium.dumpDOM(f.dashboard.url + "#/sweep/alpha")
        // One mean line per configuration through its 5 epochs, and an sd band where 2 seeds are done.
        let lines = try Regex(#"<path class="curve-mean"[^>]*data-points="5"[^>]*d="M[0-9.]+,[0-9.]+(L[0-9.]+,[0-9.]+){4}""#)
        #expect(dom.matches(of: lines).count == 2, "\(dom)")
        #expect(dom.contains(#"<path class="band""#))
        #expect(dom.contains("value=1.0 (n=2)") && dom.contains("value=2.0 (n=2)"), "a running seed counts with its epochs so far")
        #expect(dom.matches(of: try Regex(#"<tr class="clickable" data-job="\d+""#)).count == 4)
        #expect(dom.contains("0.28 ± 0.07 (n=2)") && dom.contains("0.45 ± 0.07‡ (n=1 of 2)"), "the report's cells")
    }

    @Test func thePageUpdatesWhenAJobFinishes() throws {
        let f = try DashboardFixture()
        let before = try Chromium.dumpDOM(f.dashboard.url + "#/sweep/alpha")
        #expect(before.contains(">3 done<") && before.contains(">1 running<"))
        let running = try #require(try f.writer.jobs(of: f.alpha.id, states: [.running]).first)
        try f.writer.append(metrics: (3...5).map { MetricRow(job: running.id, attempt: 1, epoch: $0, name: "loss", value: 0.5) }, logs: [])
        try f.writer.finishAttempt(job: running.id, attempt: 1, outcome: .ok(summary: nil))
        let after = try Chromium.dumpDOM(f.dashboard.url + "#/sweep/alpha")
        #expect(after.contains(">4 done<") && !after.contains(">1 running<"), "\(after)")
        let row = try Regex(#"data-job="\#(running.id)"><td class="num"><a [^>]*>\d+</a></td><td><span class="badge s-(\w+)""#)
        #expect(before.firstMatch(of: row)?.output[1].substring == "running" && after.firstMatch(of: row)?.output[1].substring == "done",
                "the job's row")
    }

    /// Without reloading: the page polls the store's version every 2 s and redraws when it
    /// changed. The job finishes while the server answers the page's second poll.
    @Test func thePageRedrawsItselfWhenTheStoreChanges() throws {
        let f = try DashboardFixture()
        let running = try #require(try f.writer.jobs(of: f.alpha.id, states: [.running]).first)
        let polls = ResultBox()
        f.dashboard.stop()
        try f.start { [writer = f.writer] request in
            guard request.path == "/api/version" else { return }
            polls.add(1)
            if polls.values.count == 2 { try? writer.finishAttempt(job: running.id, attempt: 1, outcome: .ok(summary: nil)) }
        }
        let dom = try Chromium.dumpDOM(f.dashboard.url + "#/sweep/alpha", budget: 10_000)
        #expect(polls.values.count >= 2, "the page polled \(polls.values.count) times")
        #expect(dom.contains(">4 done<") && !dom.contains(">1 running<"), "\(dom)")
    }

    @Test func markupInAConfigOrALogIsShownAsText() throws {
        let f = try DashboardFixture()
        let job = try #require(try f.writer.jobs(of: f.beta.id).first)
        for route in ["", "#/sweep/beta", "#/sweep/beta/job/\(job.id)"] {
            let dom = try Chromium.dumpDOM(f.dashboard.url + route)
            #expect(!dom.contains("<img"), "\(route): an <img> element: \(dom)")
            if !route.isEmpty { #expect(dom.contains("&lt;img src=x onerror=alert(1)&gt;"), "\(route): \(dom)") }
        }
    }

    @Test func aJobShowsItsCurveAndLogTail() throws {
        let f = try DashboardFixture()
        let job = try #require(try f.writer.jobs(of: f.alpha.id).first)
        let dom = try Chromium.dumpDOM(f.dashboard.url + "#/sweep/alpha/job/\(job.id)")
        #expect(dom.matches(of: try Regex(#"<path class="curve-mean"[^>]*data-points="5""#)).count == 1, "\(dom)")
        #expect(dom.contains("epoch 5 of job \(job.id) &lt;img"), "the log tail")
        let other = try #require(try f.writer.jobs(of: f.beta.id).first)
        let refused = try Chromium.dumpDOM(f.dashboard.url + "#/sweep/alpha/job/\(other.id)")
        #expect(refused.contains("no job \(other.id) in sweep \"alpha\""), "\(refused)")
    }

    /// The sweep's card on the overview: from its `data-sweep` to the next card.
    static func card(_ name: String, in dom: String) -> Substring? {
        guard let start = dom.range(of: #"data-sweep="\#(name)""#) else { return nil }
        let rest = dom[start.upperBound...]
        return rest[..<(rest.range(of: "data-sweep=")?.lowerBound ?? rest.endIndex)]
    }
}
