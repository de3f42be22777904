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

    @Test func stoppedSeedsAreDrawnDashedToWhereTheyStopped() throws {
        let f = try DashboardFixture()
        _ = try f.registerStoppedSweep(seeds: 4)
        let dom = try Chromium.dumpDOM(f.dashboard.url + "#/sweep/gamma")
        #expect(dom.matches(of: try Regex(#"<path class="curve-mean"[^>]*data-points="5""#)).count == 1, "\(dom)")
        // Seeds 1, 2, 3 stopped after 2, 3 and 1 epochs: lines of 1, 2 and 0 segments, each with its end dot.
        let dashed = dom.matches(of: try Regex(#"<path class="curve-stopped"[^>]*d="M[0-9.]+,[0-9.]+((?:L[0-9.]+,[0-9.]+)*)""#))
        #expect(dashed.map { $0.output[1].substring?.filter { $0 == "L" }.count ?? -1 }.sorted() == [0, 1, 2], "\(dom)")
        #expect(dom.matches(of: try Regex(#"<circle class="curve-stopped-end""#)).count == 3)
        #expect(dom.contains("dashed: seeds the stop rule stopped"))
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
        // The row: its compare box, its number, its state.
        let row = try Regex(#"data-job="\#(running.id)"><td><input [^>]*></td><td class="num"><a [^>]*>\d+</a></td><td><span class="badge s-(\w+)""#)
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

    @Test func aFailedJobShowsItsErrorNotNoMetrics() throws {
        let f = try DashboardFixture()
        let job = try #require(try f.writer.jobs(of: f.beta.id).last)
        let attempt = try f.writer.startAttempt(job: job.id, host: "local")
        _ = try f.writer.finishAttempt(job: job.id, attempt: attempt, outcome: .failed(
            status: .failed, error: "command exited with status 3; stderr ends:\nboom <b>bold</b>", stderrTail: nil, signal: nil, then: .failed))
        let dom = try Chromium.dumpDOM(f.dashboard.url + "#/sweep/beta/job/\(job.id)")
        #expect(dom.contains("The job failed before recording a metric"), "\(dom)")
        #expect(dom.contains("boom &lt;b&gt;bold&lt;/b&gt;") && !dom.contains("<b>bold"), "\(dom)")
        #expect(!dom.contains("No metrics recorded yet"))
    }

    /// 20 epochs make a raw step of 2.4: the ticks are 5, 10, 15, 20, never 2.5 or 7.5.
    @Test func epochTicksAreWholeNumbers() throws {
        let f = try DashboardFixture()
        let job = try #require(try f.writer.jobs(of: f.beta.id).last)
        try f.run(job, epochs: 20, finish: true)
        let dom = try Chromium.dumpDOM(f.dashboard.url + "#/sweep/beta/job/\(job.id)")
        let ticks = dom.matches(of: try Regex(#"text-anchor="middle">([0-9.]+)</text>"#)).compactMap { $0.output[1].substring.map(String.init) }
        #expect(ticks == ["5", "10", "15", "20"], "\(ticks)")
    }

    @Test func theBestRunIsMarkedOnTheSweepAndJobPages() throws {
        let f = try DashboardFixture()
        let gamma = try f.register("gamma", #"""
            {"name": "gamma", "workload": "probe", "base": {"epochs": 5}, "grid": {"value": [1, 2, 3]},
             "objective": {"metric": "loss", "mode": "min"}}
            """#)
        let jobs = try f.writer.jobs(of: gamma.id)
        for job in jobs { try f.run(job, epochs: 5, finish: true) }
        let best = try #require(jobs.first { $0.config["value"]?.doubleValue == 1 })
        let sweep = try Chromium.dumpDOM(f.dashboard.url + "#/sweep/gamma")
        #expect(sweep.contains("job \(best.id): loss 0.2"), "\(sweep)")
        let row = try Regex(#"<tr class="clickable best" data-job="(\d+)""#)
        #expect(sweep.matches(of: row).map { String($0.output[1].substring ?? "") } == ["\(best.id)"], "only the best job's row")
        #expect(sweep.contains("Showing 3 of 3 configurations (by default the best by loss); tick others"), "\(sweep)")
        let overview = try #require(Self.card("gamma", in: try Chromium.dumpDOM(f.dashboard.url)))
        #expect(overview.contains("best run") && overview.contains("job \(best.id): loss 0.2"), "\(overview)")
        let page = try Chromium.dumpDOM(f.dashboard.url + "#/sweep/gamma/job/\(best.id)")
        #expect(page.contains("the best run of gamma by loss (min)"), "\(page)")
        let other = try #require(jobs.first { $0.id != best.id })
        let otherPage = try Chromium.dumpDOM(f.dashboard.url + "#/sweep/gamma/job/\(other.id)")
        #expect(otherPage.contains("the best run of gamma is ") && otherPage.contains("job \(best.id): loss 0.2"), "\(otherPage)")
    }

    /// A search's card: a parallel-coordinates line per done job, an axis per param and the
    /// objective, a scatter panel per param, the history, and the best jobs listed.
    @Test func aSearchShowsParallelCoordinatesScatterAndHistory() throws {
        let f = try DashboardFixture()
        let delta = try f.register("delta", #"""
            {"name": "delta", "workload": "probe", "base": {"epochs": 5},
             "sample": {"n": 6, "seed": 3, "params": {"value": {"log_uniform": [0.01, 10]}}}, "grid": {"sleep_ms": [0, 1]},
             "objective": {"metric": "loss", "mode": "min"}}
            """#)
        let jobs = try f.writer.jobs(of: delta.id)
        for job in jobs { try f.run(job, epochs: 5, finish: true) }
        let dom = try Chromium.dumpDOM(f.dashboard.url + "#/sweep/delta")
        #expect(dom.matches(of: try Regex(#"<path class="trial""#)).count == jobs.count, "\(dom)")
        #expect(dom.matches(of: try Regex(#"<g class="paxis" data-key="#)).count == 3, "sleep_ms, value and loss")
        #expect(dom.contains(">value (log)<") && dom.contains(#"aria-label="optimisation history""#))
        #expect(dom.matches(of: try Regex(#"<svg class="scatter""#)).count == 2)
        #expect(dom.contains(#"<path class="best-so-far""#))
        // The listed jobs start with the best: the smallest value (each drawn twice, with sleep_ms 0 and 1).
        let smallest = jobs.compactMap { $0.config["value"]?.doubleValue }.min()
        let best = Set(jobs.filter { $0.config["value"]?.doubleValue == smallest }.map { "\($0.id)" })
        #expect(best.count == 2)
        let listed = try #require(dom.firstMatch(of: try Regex(#"<table class="search-jobs">.*?data-job="(\d+)""#)))
        #expect(best.contains(String(listed.output[1].substring ?? "")), "\(dom)")
    }

    /// Dragging along a param's axis of the parallel coordinates (real mouse events on its
    /// handle) filters the jobs table to the jobs in the range, with a note; its "clear"
    /// lists every job again.
    @Test func brushingAnAxisFiltersTheJobsTableAndClearingRestoresIt() throws {
        let f = try DashboardFixture()
        let delta = try f.register("delta", #"""
            {"name": "delta", "workload": "probe", "base": {"epochs": 5},
             "sample": {"n": 6, "seed": 3, "params": {"value": {"log_uniform": [0.01, 10]}}}, "grid": {"sleep_ms": [0, 1]},
             "objective": {"metric": "loss", "mode": "min"}}
            """#)
        let jobs = try f.writer.jobs(of: delta.id)
        for job in jobs { try f.run(job, epochs: 5, finish: true) }
        // The value axis is log from the smallest to the largest value: brush from between the
        // first and second values' places to between the fourth and fifth.
        let logs = Set(jobs.map { log10($0.config["value"]!.doubleValue!) }).sorted()
        #expect(logs.count == 6)
        let place = { (x: Double) in (x - logs[0]) / (logs[5] - logs[0]) }
        let (from, to) = ((place(logs[0]) + place(logs[1])) / 2, (place(logs[3]) + place(logs[4])) / 2)
        let margin = [place(logs[1]) - from, from - place(logs[0]), place(logs[4]) - to, to - place(logs[3])].min()!
        try #require(margin > 0.01, "values too close to brush between them by pixels: \(logs)")
        let inside = Set(jobs.filter { (pow(10, logs[1])...pow(10, logs[3])).contains($0.config["value"]!.doubleValue!) }.map { Int($0.id) })
        #expect(inside.count == 6)

        let script = Self.brushing(axis: "value", from: to, to: from, then: """
              const note = await until(() => document.getElementById("jobs-filter"), "the filter note");
              const brushed = rows(), text = note.textContent;
              document.getElementById("jobs-filter-clear").click();
              await until(() => !document.getElementById("jobs-filter") && document.querySelectorAll("#jobs tbody tr").length === before.length, "the cleared table");
              return { before, brushed, text, after: rows(), selection: document.querySelectorAll("#search rect.brush").length };
            """)
        let answer = try #require(try Chromium.evaluate(f.dashboard.url + "#/sweep/delta", script) as? [String: Any])
        let all = Set(jobs.map { Int($0.id) })
        #expect(Set(answer["before"] as? [Int] ?? []) == all, "\(answer)")
        #expect(Set(answer["brushed"] as? [Int] ?? []) == inside, "only the jobs in the range: \(answer)")
        #expect((answer["text"] as? String ?? "").hasPrefix("filtered by the search's selection: value "), "\(answer)")
        #expect(Set(answer["after"] as? [Int] ?? []) == all && answer["selection"] as? Int == 0, "clear restores every job: \(answer)")
    }

    /// A text axis's selection filters the table by the values brushed (here the upper half
    /// of the `data_file` axis: `b`, of `a` and `b` at a quarter and three quarters; the
    /// jobs never run, so no file is read).
    @Test func brushingATextAxisFiltersTheJobsTableByItsValues() throws {
        let f = try DashboardFixture()
        let kinds = try f.register("kinds", #"""
            {"name": "kinds", "workload": "probe", "base": {"epochs": 5},
             "sample": {"n": 8, "seed": 5, "params": {"value": {"uniform": [0.1, 10]}, "data_file": {"choice": ["a", "b"]}}},
             "objective": {"metric": "loss", "mode": "min"}}
            """#)
        let jobs = try f.writer.jobs(of: kinds.id)
        for job in jobs { try f.run(job, epochs: 5, finish: true) }
        let ofB = Set(jobs.filter { $0.config["data_file"]?.stringValue == "b" }.map { Int($0.id) })
        try #require(!ofB.isEmpty && ofB.count < jobs.count, "the draw has both values")
        let script = Self.brushing(axis: "data_file", from: 0.98, to: 0.5, then: """
              const note = await until(() => document.getElementById("jobs-filter"), "the filter note");
              await until(() => document.querySelectorAll("#jobs tbody tr").length === \(ofB.count), "the filtered table");
              return { brushed: rows(), text: note.textContent };
            """)
        let answer = try #require(try Chromium.evaluate(f.dashboard.url + "#/sweep/kinds", script) as? [String: Any])
        #expect(Set(answer["brushed"] as? [Int] ?? []) == ofB, "only the jobs of b: \(answer)")
        #expect((answer["text"] as? String ?? "").contains("data_file in b"), "\(answer)")
    }

    /// A page script that waits for the search card's `axis` and the jobs table, keeps the
    /// table's rows as `before`, drags along the axis from fraction `from` to `to` of its
    /// height with real mouse events, then runs `body` (which may use `until` and `rows`).
    static func brushing(axis: String, from: Double, to: Double, then body: String) -> String {
        """
        (async () => {
          const until = async (test, what) => {
            for (let i = 0; i < 600; i++) { const v = test(); if (v) return v; await new Promise(r => setTimeout(r, 50)); }
            throw new Error("timed out waiting for " + what);
          };
          const rows = () => [...document.querySelectorAll("#jobs tbody tr")].map(tr => Number(tr.dataset.job));
          const handle = await until(() => document.querySelector('#search .paxis[data-key="\(axis)"] .handle'), "the \(axis) axis");
          await until(() => document.querySelector("#jobs tbody tr"), "the jobs table");
          const before = rows();
          const plot = handle.ownerSVGElement, box = plot.getBoundingClientRect(), H = 300, T = 24, B = 24;
          const y = f => box.top + (T + (1 - f) * (H - T - B)) * box.height / H, x = handle.getBoundingClientRect().left + 12;
          const mouse = (type, f) => handle.dispatchEvent(new MouseEvent(type, { bubbles: true, cancelable: true, clientX: x, clientY: y(f), button: 0 }));
          mouse("mousedown", \(from)); mouse("mouseup", \(to));
        \(body)
        })()
        """
    }

    @Test func compareShowsWhatDiffersFinalMetricsAndCurves() throws {
        let f = try DashboardFixture()
        let jobs = try f.writer.jobs(of: f.alpha.id)
        let (a, b) = (try #require(jobs.first { $0.config["value"]?.doubleValue == 1 && $0.config.int("seed") == 0 }),
                      try #require(jobs.first { $0.config["value"]?.doubleValue == 2 && $0.config.int("seed") == 0 }))
        let dom = try Chromium.dumpDOM(f.dashboard.url + "#/sweep/alpha/compare/\(a.id),\(b.id)")
        #expect(dom.contains("Compare 2 jobs of alpha"), "\(dom)")
        // Only value differs: a row of its own, the rest in one line.
        #expect(dom.contains(#"<tr class="differs"><td>value</td><td class="num">1</td><td class="num">2</td></tr>"#), "\(dom)")
        #expect(dom.matches(of: try Regex(#"<tr class="differs">"#)).count == 1)
        #expect(dom.contains("The same in all: ") && dom.contains("epochs=5") && dom.contains("seed=0"))
        #expect(dom.matches(of: try Regex(#"<path class="curve-mean"[^>]*data-points="5""#)).count == 2, "a curve per job")
        // The sweep's jobs table has a box per job to pick them.
        let sweep = try Chromium.dumpDOM(f.dashboard.url + "#/sweep/alpha")
        #expect(sweep.matches(of: try Regex(#"class="compare-pick""#)).count == 4 && sweep.contains(">compare 0 selected<"))
    }

    /// The sweep's card on the overview: from its `data-sweep` to the next card.
    static func card(_ name: String, in dom: String) -> Substring? {
        guard let start = dom.range(of: #"data-sweep="\#(name)""#) else { return nil }
        let rest = dom[start.upperBound...]
        return rest[..<(rest.range(of: "data-sweep=")?.lowerBound ?? rest.endIndex)]
    }
}
