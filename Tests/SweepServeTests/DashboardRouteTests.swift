import Foundation
import SweepCore
@testable import SweepServe
import SweepStore
import SweepViews
import Testing

/// Every route of the dashboard over a real store, answered by the real server on loopback.
@Suite struct DashboardRouteTests {
    @Test func apiAnswersWhatTheCLIPrintsByteForByte() throws {
        let f = try DashboardFixture()
        #expect(try f.http.get("/api/sweeps").body == (try f.cli { try JSONOutput.list($0) }))
        #expect(try f.http.get("/api/sweeps/alpha").body == (try f.cli { try JSONOutput.status($0, sweep: f.alpha, brief: false) }))
        #expect(try f.http.get("/api/sweeps/alpha?brief=1").body == (try f.cli { try JSONOutput.status($0, sweep: f.alpha, brief: true) }))
        let job = try #require(try f.writer.jobs(of: f.beta.id).first)
        #expect(try f.http.get("/api/jobs/\(job.id)").body == (try f.cli { try JSONOutput.logs($0, job: job) }))
        #expect(try f.http.get("/api/sweeps/beta/jobs/\(job.id)").body == (try f.cli { try JSONOutput.logs($0, job: job) }))

        let status = try #require(try f.json("/api/sweeps/alpha") as? [String: Any])
        #expect(status["counts"] as? [String: Int] == ["pending": 0, "running": 1, "done": 3, "failed": 0, "cancelled": 0, "stopped": 0])
        #expect((status["coordinator"] as? [String: Any])?["pid"] as? Int == Int(getpid()))
    }

    @Test func jobsArePagedFilteredAndSortedWithTheirLatestMetric() throws {
        let f = try DashboardFixture()
        let page = try #require(try f.json("/api/sweeps/alpha/jobs?limit=2&sort=metric&order=desc") as? [String: Any])
        #expect(page["total"] as? Int == 4 && page["matched"] as? Int == 4 && page["metric"] as? String == "loss")
        #expect(page["varying"] as? [String] == ["value"] && page["metrics"] as? [String] == ["acc", "loss"])
        let jobs = try #require(page["jobs"] as? [[String: Any]])
        #expect(jobs.count == 2)
        // The running job (value 2, seed 1, epoch 2) has the highest latest loss: 2/2 + 0.1.
        let latest = try #require(jobs[0]["latest"] as? [String: Any])
        #expect(latest["epoch"] as? Int == 2 && abs((latest["value"] as? Double ?? 0) - 1.1) < 1e-9, "\(jobs[0])")
        #expect(jobs[0]["state"] as? String == "running" && (jobs[0]["progress"] as? [String: Any])?["epoch"] as? Int == 2)
        // The next: value 2, seed 0, done at epoch 5: 2/5.
        #expect(abs(((jobs[1]["latest"] as? [String: Any])?["value"] as? Double ?? 0) - 0.4) < 1e-9)

        let running = try #require(try f.json("/api/sweeps/alpha/jobs?state=running") as? [String: Any])
        #expect(running["matched"] as? Int == 1)
        // With its coordinator running, a running job is not interrupted.
        #expect((try f.json("/api/sweeps/alpha/jobs?state=interrupted") as? [String: Any])?["matched"] as? Int == 0)
        let found = try #require(try f.json("/api/sweeps/beta/jobs?q=onerror") as? [String: Any])
        #expect(found["matched"] as? Int == 2)
        let none = try #require(try f.json("/api/sweeps/beta/jobs?q=nothing-like-this") as? [String: Any])
        #expect(none["matched"] as? Int == 0 && (none["jobs"] as? [Any])?.isEmpty == true)
        let second = try #require(try f.json("/api/sweeps/alpha/jobs?offset=3&limit=2") as? [String: Any])
        #expect((second["jobs"] as? [Any])?.count == 1)
        for bad in ["limit=0", "limit=501", "offset=-1", "state=sleeping", "sort=colour", "limit=x"] {
            let response = try f.http.get("/api/sweeps/alpha/jobs?" + bad)
            #expect(response.status == 400 && response.body.contains("error"), "\(bad): \(response.status) \(response.body)")
        }
    }

    @Test func curvesGiveMeanAndSampleSDAcrossSeedsPerEpoch() throws {
        let f = try DashboardFixture()
        let curves = try #require(try f.json("/api/sweeps/alpha/curves?metric=loss") as? [String: Any])
        #expect(curves["config_count"] as? Int == 2)
        let configs = try #require(curves["configs"] as? [[String: Any]])
        #expect(configs.map { $0["label"] as? String } == ["value=1.0", "value=2.0"])
        let drawn = try #require(curves["curves"] as? [[String: Any]])
        // value 1: two done seeds (0 and 1): loss 1/epoch + seed/10, mean 1/epoch + 0.05, sd 0.1/sqrt(2).
        let first = try #require(drawn.first { $0["index"] as? Int == 0 })
        #expect(first["epochs"] as? [Int] == [1, 2, 3, 4, 5] && first["seeds"] as? Int == 2)
        let means = try #require(first["mean"] as? [Double]), sds = try #require(first["sd"] as? [Double])
        for epoch in 1...5 {
            #expect(abs(means[epoch - 1] - (1 / Double(epoch) + 0.05)) < 1e-12)
            #expect(abs(sds[epoch - 1] - 0.1 / 2.0.squareRoot()) < 1e-12)
        }
        // value 2: seed 0 done (5 epochs), seed 1 running at epoch 2: both count where both reported.
        let second = try #require(drawn.first { $0["index"] as? Int == 1 })
        let sd = try #require(second["sd"] as? [Any])
        #expect(second["seeds"] as? Int == 2 && second["epochs"] as? [Int] == [1, 2, 3, 4, 5])
        #expect(abs((sd[1] as? Double ?? 0) - 0.1 / 2.0.squareRoot()) < 1e-12 && sd[2...].allSatisfy { $0 is NSNull }, "\(sd)")
        let one = try #require(try f.json("/api/sweeps/alpha/curves?metric=acc&show=1") as? [String: Any])
        #expect((one["curves"] as? [[String: Any]])?.map { $0["index"] as? Int } == [1] && one["metric"] as? String == "acc")
        #expect(try f.http.get("/api/sweeps/alpha/curves?show=7").status == 400)
        #expect(try f.http.get("/api/sweeps/alpha/curves?show=" + Array(repeating: "0", count: 51).joined(separator: ",")).status == 400)
    }

    /// A configuration's stopped seeds come with their own curves, each to the epoch it
    /// stopped at (the page draws them dashed), at most 20; the mean is over the done seed.
    @Test func curvesCarryTheStoppedSeedsOwnCurves() throws {
        let f = try DashboardFixture()
        let gamma = try f.registerStoppedSweep(seeds: 24)
        let curves = try #require(try f.json("/api/sweeps/gamma/curves?metric=loss&show=0") as? [String: Any])
        let curve = try #require((curves["curves"] as? [[String: Any]])?.first)
        #expect(curve["seeds"] as? Int == 1 && curve["epochs"] as? [Int] == [1, 2, 3, 4, 5])
        let stopped = try #require(curve["stopped"] as? [[String: Any]])
        let jobs = try f.writer.jobs(of: gamma.id)
        #expect(stopped.map { $0["job"] as? Int } == jobs[1...20].map { Int($0.id) }, "the first 20 stopped seeds, by number")
        for (index, entry) in stopped.enumerated() {
            let job = jobs[index + 1]
            let epochs = Array(1...(1 + (index + 1) % 3))
            #expect(entry["epochs"] as? [Int] == epochs)
            #expect(entry["values"] as? [Double] == epochs.map { DashboardFixture.loss(job, epoch: $0) })
        }
        let alpha = try #require(try f.json("/api/sweeps/alpha/curves?metric=loss") as? [String: Any])
        #expect((alpha["curves"] as? [[String: Any]])?.allSatisfy { ($0["stopped"] as? [Any])?.isEmpty == true } == true)
    }

    @Test func reportTablesAreReportMdsCells() throws {
        let f = try DashboardFixture()
        let report = try #require(try f.json("/api/sweeps/alpha/report") as? [String: Any])
        let table = try #require((report["tables"] as? [[String: Any]])?.first)
        #expect(table["headers"] as? [String] == ["value", "loss"] && table["window"] as? Int == 2)
        let rows = try #require(table["rows"] as? [[String]])
        // value 1 over the last 2 epochs (4, 5): seed means 0.225 and 0.325 -> 0.28 ± 0.07 (n=2); value 2:
        // seed 0 alone (seed 1 runs), 0.5 and 0.4 -> 0.45 ± the window's sd 0.07, marked ‡ as one seed's.
        #expect(rows == [["1", "0.28 ± 0.07 (n=2)"], ["2", "0.45 ± 0.07‡ (n=1 of 2)"]])
        // value 2 − value 1, paired by seed: only seed 0 is done on both sides, 0.45 − 0.225.
        let difference = try #require((table["differences"] as? [[String: Any]])?.first)
        #expect(difference["title"] as? String == "Difference value: 2 − 1, paired by seed")
        #expect(difference["headers"] as? [String] == ["metric", "2 − 1", "relative to 1", "n", "95 % CI", "reading"])
        let line = try #require((difference["rows"] as? [[String]])?.first)
        #expect(line[0] == "loss" && line[3] == "1 (1 unpaired)" && line[5] == "one pair: no spread")
        #expect(line[2] == "+100.0 %")
    }

    @Test func aJobsCurvesAndLogTail() throws {
        let f = try DashboardFixture()
        let job = try #require(try f.writer.jobs(of: f.alpha.id).last)
        let metrics = try #require(try f.json("/api/sweeps/alpha/jobs/\(job.id)/metrics") as? [String: Any])
        let loss = try #require((metrics["metrics"] as? [String: Any])?["loss"] as? [String: Any])
        #expect(loss["epochs"] as? [Int] == [1, 2] && metrics["attempt"] as? Int == 1)
        let logs = try #require(try f.json("/api/jobs/\(job.id)") as? [String: Any])
        #expect((logs["output"] as? [[String: Any]])?.first?["line"] as? String == "epoch 2 of job \(job.id) \(f.markup)")
    }

    @Test func unknownThingsAnother_sweepsJobAndBadMethodsAreRefused() throws {
        let f = try DashboardFixture()
        let betaJob = try #require(try f.writer.jobs(of: f.beta.id).first)
        for path in ["/nope", "/api", "/api/nope", "/api/sweeps/gamma", "/api/sweeps/gamma/jobs", "/api/sweeps/alpha/nope",
                     "/api/jobs/999", "/api/jobs/999/metrics", "/api/sweeps/alpha/jobs/\(betaJob.id)",
                     "/api/sweeps/alpha/jobs/\(betaJob.id)/metrics", "/index.html/x", "/api/sweeps/alpha/jobs/1/nope"] {
            let response = try f.http.get(path)
            #expect(response.status == 404, "\(path): \(response.status) \(response.body)")
            #expect(response.headers["content-type"]?.hasPrefix("application/json") == true)
        }
        #expect(try f.http.get("/api/sweeps/alpha/jobs/\(betaJob.id)").body.contains("not") == false)
        for method in ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"] {
            let response = try f.http.get("/api/sweeps", method: method)
            #expect(response.status == 405 && response.headers["allow"] == "GET, HEAD", "\(method)")
        }
        let body = try f.http.exchange(Array("GET /api/sweeps HTTP/1.1\r\nHost: 127.0.0.1:\(f.port)\r\nContent-Length: 5\r\n\r\nhello".utf8))
        #expect(body.status == 413 && body.closed)
        let chunked = try f.http.get("/api/sweeps", headers: ["Transfer-Encoding": "chunked"])
        #expect(chunked.status == 413)
    }

    @Test func thePageItsScriptAndStyleWithTheirSecurityHeaders() throws {
        let f = try DashboardFixture()
        for (path, type) in [("/", "text/html"), ("/app.js", "text/javascript"), ("/style.css", "text/css"), ("/api/sweeps", "application/json")] {
            let response = try f.http.get(path)
            #expect(response.status == 200 && response.headers["content-type"]?.hasPrefix(type) == true, "\(path)")
            #expect(response.headers["content-security-policy"]?.hasPrefix("default-src 'self'") == true)
            #expect(response.headers["x-content-type-options"] == "nosniff" && response.headers["connection"] == "close")
        }
        let page = try f.http.get("/").body
        #expect(page.contains(#"<script src="/app.js""#) && !page.contains("<script>") && !page.contains("style=\""))
        let script = try f.http.get("/app.js").body
        #expect(!script.contains("innerHTML") && !script.contains("insertAdjacentHTML") && !script.contains("document.write"))
        let outside = script.replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "")  // SVG's namespace, not an address
        #expect(!outside.contains("http://") && !outside.contains("https://"), "no network beyond this server")
        let head = try f.http.get("/", method: "HEAD")
        #expect(head.status == 200 && head.body.isEmpty && Int(head.headers["content-length"] ?? "") == page.utf8.count)
    }

    /// A sweep with an objective: `/best` ranks its configurations as `sweep best --json` does.
    @Test func theBestRunByTheSpecsObjective() throws {
        let f = try DashboardFixture()
        let gamma = try f.register("gamma", #"""
            {"name": "gamma", "workload": "probe", "base": {"epochs": 5}, "grid": {"value": [1, 2, 3]},
             "objective": {"metric": "loss", "mode": "min"}}
            """#)
        for job in try f.writer.jobs(of: gamma.id) { try f.run(job, epochs: 5, finish: true) }
        let answer = try #require(try f.json("/api/sweeps/gamma/best?top=2") as? [String: Any])
        #expect(answer["objective"] as? [String: String] == ["metric": "loss", "mode": "min"])
        let best = try #require(answer["best"] as? [[String: Any]])
        // loss at epoch 5 is value / 5: value 1 is the best, then 2.
        #expect(best.count == 2)
        #expect(best.map { ($0["config"] as? [String: Any])?["value"] as? Int } == [1, 2], "\(best)")
        let first = try #require(try f.writer.jobs(of: gamma.id).first { $0.config["value"]?.doubleValue == 1 })
        #expect(best[0]["job"] as? Int == Int(first.id) && abs((best[0]["value"] as? Double ?? 0) - 0.2) < 1e-12)
        // What the CLI prints for the same ranking.
        let cli = try f.cli { store in .array(try BestConfig.rank(store: store, sweep: gamma, objective: Objective(metric: "loss", mode: .min), top: 2).map(\.json)) }
        #expect(cli.contains("\"job\":\(first.id)"))

        let none = try #require(try f.json("/api/sweeps/alpha/best") as? [String: Any])
        #expect(none["objective"] is NSNull && (none["best"] as? [Any])?.isEmpty == true)
        for bad in ["0", "101", "x", "-1"] {
            let response = try f.http.get("/api/sweeps/gamma/best?top=\(bad)")
            #expect(response.status == 400 && response.body.contains("top must be a whole number from 1 to 100"), "\(bad): \(response.body)")
        }
    }

    /// A sampled search: `/trials` gives every done job's varying params and objective value,
    /// worst first, the log axes, and the history with its best-so-far steps.
    @Test func aSearchsTrialsForItsPlots() throws {
        let f = try DashboardFixture()
        let delta = try f.register("delta", #"""
            {"name": "delta", "workload": "probe", "base": {"epochs": 5},
             "sample": {"n": 4, "seed": 3, "params": {"value": {"log_uniform": [0.01, 10]}}},
             "objective": {"metric": "loss", "mode": "min"}}
            """#)
        let jobs = try f.writer.jobs(of: delta.id)
        #expect(jobs.count == 4)
        for job in jobs.prefix(3) { try f.run(job, epochs: 5, finish: true) }
        let answer = try #require(try f.json("/api/sweeps/delta/trials") as? [String: Any])
        #expect(answer["log"] as? [String] == ["value"] && answer["varying"] as? [String] == ["value"])
        #expect(answer["total"] as? Int == 3, "the pending job has no value")
        let trials = try #require(answer["trials"] as? [[String: Any]])
        // loss at epoch 5 is value / 5: worst (largest) first.
        let values = trials.compactMap { $0["value"] as? Double }
        #expect(values.count == 3 && values == values.sorted(by: >), "\(values)")
        for trial in trials {
            let job = try #require(jobs.first { Int($0.id) == trial["job"] as? Int })
            let value = try #require(job.config["value"]?.doubleValue)
            #expect(abs((trial["value"] as? Double ?? 0) - value / 5) < 1e-12)
            #expect(abs(((trial["config"] as? [String: Any])?["value"] as? Double ?? 0) - value) < 1e-12)
        }
        let history = try #require(answer["history"] as? [[Double]])
        #expect(history.map { $0[0] } == [0, 1, 2])
        let steps = try #require(answer["best_so_far"] as? [[Double]])
        #expect(steps.first?[0] == 0 && steps.last?[1] == values.min(), "\(steps)")
        #expect(zip(steps, steps.dropFirst()).allSatisfy { $0[1] > $1[1] }, "each step improves: \(steps)")

        let none = try #require(try f.json("/api/sweeps/alpha/trials") as? [String: Any])
        #expect(none["objective"] is NSNull)
    }

    /// What the search card's brushes select filters the jobs table: a param's range on every
    /// job, the objective's range on the done jobs' objective values, both at once, and bad
    /// ranges refused with what was expected.
    @Test func jobsAreFilteredByTheSearchsBrushedRanges() throws {
        let f = try DashboardFixture()
        let delta = try f.register("delta", #"""
            {"name": "delta", "workload": "probe", "base": {"epochs": 5},
             "sample": {"n": 6, "seed": 3, "params": {"value": {"log_uniform": [0.01, 10]}}}, "grid": {"sleep_ms": [0, 1]},
             "objective": {"metric": "loss", "mode": "min"}}
            """#)
        let jobs = try f.writer.jobs(of: delta.id)
        #expect(jobs.count == 12)
        for job in jobs.dropLast() { try f.run(job, epochs: 5, finish: true) }
        func listed(_ ranges: String, extra: String = "") throws -> Set<Int> {
            let query = ranges.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let page = try #require(try f.json("/api/sweeps/delta/jobs?limit=500&ranges=\(query)\(extra)") as? [String: Any])
            let found = Set((page["jobs"] as? [[String: Any]] ?? []).compactMap { $0["job"] as? Int })
            #expect(page["matched"] as? Int == found.count)
            return found
        }
        let value = { (job: StoredJob) in job.config["value"]!.doubleValue! }
        let sorted = Set(jobs.map(value)).sorted()
        #expect(sorted.count == 6)
        // Bounds between values, so no job sits on one (the store's text has its own rounding).
        let (low, high) = ((sorted[0] + sorted[1]) / 2, (sorted[3] + sorted[4]) / 2)
        // Every state: the pending job is listed when its value is in the range.
        let inValue = Set(jobs.filter { (low...high).contains(value($0)) }.map { Int($0.id) })
        #expect(inValue.count == 6)
        #expect(try listed(#"{"value": [\#(low), \#(high)]}"#) == inValue)
        // The objective (loss at epoch 5: value / 5 + seed / 10, the seed 0): done jobs only.
        let done = jobs.dropLast()
        let (lossLow, lossHigh) = ((sorted[1] + sorted[2]) / 10, (sorted[4] + sorted[5]) / 10)
        let inLoss = Set(done.filter { (lossLow...lossHigh).contains(DashboardFixture.loss($0, epoch: 5)) }.map { Int($0.id) })
        #expect(!inLoss.isEmpty && inLoss.count < done.count)
        #expect(try listed(#"{"loss": [\#(lossLow), \#(lossHigh)]}"#) == inLoss)
        #expect(try listed(#"{"loss": [\#(lossLow), \#(lossHigh)], "value": [\#(low), \#(high)]}"#) == inLoss.intersection(inValue))
        #expect(try listed(#"{"value": [\#(low), \#(high)], "sleep_ms": [1, 1]}"#, extra: "&state=done")
                == Set(done.filter { (low...high).contains(value($0)) && $0.config.int("sleep_ms") == 1 }.map { Int($0.id) }))
        #expect(try listed(#"{"value": [100, 200]}"#).isEmpty)
        #expect(try listed("").count == 12, "no ranges: every job")

        for (bad, says) in [
            ("nonsense", "ranges: expected a JSON object"), (#"[1, 2]"#, "ranges: expected a JSON object"),
            (#"{"value": [2, 1]}"#, "low <= high"), (#"{"value": [1]}"#, "expected [low, high]"), (#"{"value": ["a", 1]}"#, "text values"),
            (#"{"colour": ["a"]}"#, "text values of a param that varies"),
            (#"{"value": [0, 1e999]}"#, "ranges: expected"), (#"{"colour": [0, 1]}"#, "is neither a param that varies in sweep"),
            (#"{"seed": [0, 1]}"#, "is neither"), ("{" + (0..<21).map { #""k\#($0)": [0, 1]"# }.joined(separator: ",") + "}", "at most 20 ranges"),
        ] {
            let response = try f.http.get("/api/sweeps/delta/jobs?ranges=" + bad.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)
            #expect(response.status == 400 && response.body.contains(says), "\(bad.prefix(60)): \(response.status) \(response.body)")
        }
        // A dotted param is a nested one in the stored config.
        let nested = try f.register("nested", #"""
            {"name": "nested", "workload": "command", "free_params": true, "base": {"command": "true", "opt": {"depth": 2}},
             "grid": {"opt.lr": [0.1, 0.2, 0.3]}}
            """#)
        let lrs = try f.writer.jobs(of: nested.id)
        let query = #"{"opt.lr": [0.15, 0.35]}"#.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        let page = try #require(try f.json("/api/sweeps/nested/jobs?ranges=\(query)") as? [String: Any])
        #expect(Set((page["jobs"] as? [[String: Any]] ?? []).compactMap { $0["job"] as? Int })
                == Set(lrs.filter { ($0.config["opt.lr"]?.doubleValue ?? 0) > 0.15 }.map { Int($0.id) }), "\(page)")
        #expect(page["matched"] as? Int == 2, "\(page)")
        // A category axis's selection: the jobs whose text value is one of those listed.
        let kinds = try f.register("kinds", #"""
            {"name": "kinds", "workload": "command", "free_params": true, "base": {"command": "true"},
             "grid": {"act": ["relu", "tanh", "gelu"], "width": [1, 2]}}
            """#)
        let kindJobs = try f.writer.jobs(of: kinds.id)
        let chosen = #"{"act": ["gelu", "relu"]}"#.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        let kindPage = try #require(try f.json("/api/sweeps/kinds/jobs?limit=500&ranges=\(chosen)") as? [String: Any])
        #expect(Set((kindPage["jobs"] as? [[String: Any]] ?? []).compactMap { $0["job"] as? Int })
                == Set(kindJobs.filter { $0.config["act"]?.stringValue != "tanh" }.map { Int($0.id) }), "\(kindPage)")
        #expect(kindPage["matched"] as? Int == 4, "\(kindPage)")

        let long = try f.http.get("/api/sweeps/delta/jobs?ranges=" + String(repeating: "y", count: 2_100))
        #expect(long.status == 414, "\(long.body)")
        let noObjective = try f.http.get("/api/sweeps/alpha/jobs?ranges=" + #"{"loss":[0,1]}"#.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)
        #expect(noObjective.status == 400 && noObjective.body.contains("is neither"), "\(noObjective.body)")
    }

    /// Without `show`, the curves are the best three configurations by the objective, best first
    /// (made up to three in spec order); a sweep without one shows its first three. The summary has the first launch and revisions.
    @Test func defaultCurvesAreTheBestConfigurations() throws {
        let f = try DashboardFixture()
        let epsilon = try f.register("epsilon", #"""
            {"name": "epsilon", "workload": "probe", "base": {"epochs": 5}, "grid": {"value": [4, 2, 5, 1, 3]},
             "objective": {"metric": "loss", "mode": "min"}}
            """#)
        for job in try f.writer.jobs(of: epsilon.id) { try f.run(job, epochs: 5, finish: true) }
        let curves = try #require(try f.json("/api/sweeps/epsilon/curves") as? [String: Any])
        #expect(curves["metric"] as? String == "loss", "the objective's metric, not the first by name (acc)")
        let shown = try #require(curves["curves"] as? [[String: Any]])
        #expect(shown.compactMap { $0["label"] as? String } == ["value=1.0", "value=2.0", "value=3.0"], "\(shown.map { $0["label"] ?? "" })")
        let alpha = try #require(try f.json("/api/sweeps/alpha/curves") as? [String: Any])
        #expect((alpha["curves"] as? [[String: Any]])?.compactMap { $0["index"] as? Int } == [0, 1], "alpha has two configurations")
        // A stop rule left one configuration with a done job: the others follow in spec order.
        let zeta = try f.register("zeta", #"""
            {"name": "zeta", "workload": "probe", "base": {"epochs": 5}, "grid": {"value": [6, 7, 8, 9]},
             "objective": {"metric": "loss", "mode": "min"}, "stop": {"rule": "asha"}}
            """#)
        for (index, job) in try f.writer.jobs(of: zeta.id).enumerated() {
            try f.run(job, epochs: index == 2 ? 5 : 1, finish: index == 2)
            guard index != 2 else { continue }
            let decision = StopDecision(sweep: zeta.id, rule: "asha", epoch: 1, reason: "stopped at epoch 1 by asha")
            try f.writer.finishAttempt(job: job.id, attempt: 1, outcome: .stopped(decision, stderrTail: nil))
        }
        let stopped = try #require(try f.json("/api/sweeps/zeta/curves") as? [String: Any])
        #expect((stopped["curves"] as? [[String: Any]])?.compactMap { $0["label"] as? String } == ["value=8.0", "value=6.0", "value=7.0"])

        let summary = try #require(try f.json("/api/sweeps/epsilon/summary") as? [String: Any])
        let first = try #require(summary["first_launched_at"] as? String)
        #expect(first == epsilon.createdAt.formatted(.iso8601))
        let revisions = try #require(summary["revisions"] as? [[String: Any]])
        #expect(revisions.count <= 1 && revisions.allSatisfy { $0["jobs"] as? Int == 5 }, "\(revisions)")
    }

    /// Two to five jobs side by side: what differs, what is shared, final metrics and curves.
    @Test func compareTwoToFiveJobsOfASweep() throws {
        let f = try DashboardFixture()
        let jobs = try f.writer.jobs(of: f.alpha.id)
        let (a, b) = (jobs[0], jobs[3])  // value 1 seed 0 (done, 5 epochs) and value 2 seed 1 (running, 2 epochs)
        let answer = try #require(try f.json("/api/sweeps/alpha/compare?jobs=\(a.id),\(b.id)") as? [String: Any])
        #expect(answer["differing"] as? [String] == ["seed", "value"] && (answer["same"] as? [String])?.contains("epochs") == true, "\(answer)")
        let entries = try #require(answer["jobs"] as? [[String: Any]])
        #expect(entries.compactMap { $0["job"] as? Int } == [Int(a.id), Int(b.id)])
        #expect(entries.compactMap { $0["state"] as? String } == ["done", "running"])
        let finals = entries.compactMap { ($0["final"] as? [String: Any])?["loss"] as? Double }
        #expect(finals.count == 2 && abs(finals[0] - DashboardFixture.loss(a, epoch: 5)) < 1e-12 && abs(finals[1] - DashboardFixture.loss(b, epoch: 2)) < 1e-12)
        let curve = try #require(((entries[0]["metrics"] as? [String: Any])?["metrics"] as? [String: Any])?["loss"] as? [String: Any])
        #expect((curve["epochs"] as? [Int]) == [1, 2, 3, 4, 5])

        let other = try #require(try f.writer.jobs(of: f.beta.id).first)
        for (query, status, message) in [
            ("\(a.id)", 400, "expected 2 to 5 job numbers"), ("", 400, "expected 2 to 5"),
            ((0..<6).map { _ in "\(a.id)" }.joined(separator: ","), 400, "expected 2 to 5"),
            ("\(a.id),\(a.id)", 400, "is named twice"), ("\(a.id),\(other.id)", 404, "no job \(other.id) in sweep"),
            ("\(a.id),x", 404, "no job x"), ("\(a.id),", 404, "no job "),
        ] {
            let response = try f.http.get("/api/sweeps/alpha/compare?jobs=\(query)")
            #expect(response.status == status && response.body.contains(message), "\(query): \(response.status) \(response.body)")
        }
    }

    /// The assets are the repository's files, compiled in: what is served is their bytes.
    @Test func thePageScriptAndStyleAreTheAssetFilesByteForByte() throws {
        let f = try DashboardFixture()
        let assets = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/SweepServe/Assets")
        for (path, file) in [("/", "index.html"), ("/app.js", "app.js"), ("/style.css", "style.css")] {
            let onDisk = try String(contentsOf: assets.appendingPathComponent(file), encoding: .utf8)
            #expect(!onDisk.isEmpty)
            #expect(try f.http.get(path).body == onDisk, "\(path) is not Assets/\(file)")
        }
    }

    @Test func aForeignHostHeaderIsRefusedOnLoopback() throws {
        let f = try DashboardFixture()
        #expect(try f.http.get("/api/sweeps").status == 200)
        let rebound = try f.http.exchange(Array("GET /api/sweeps HTTP/1.1\r\nHost: evil.example:\(f.port)\r\n\r\n".utf8))
        #expect(rebound.status == 421)
        let localhost = try f.http.exchange(Array("GET /api/sweeps HTTP/1.1\r\nHost: localhost:\(f.port)\r\n\r\n".utf8))
        #expect(localhost.status == 200)
    }

    @Test func aTokenGuardsEveryRouteAndIsKeptInACookie() throws {
        let token = AccessToken()
        let f = try DashboardFixture(token: token)
        #expect(f.dashboard.url.hasSuffix("/?token=\(token.value)"))
        for path in ["/", "/app.js", "/api/sweeps", "/api/sweeps/alpha"] {
            #expect(try f.http.get(path).status == 401, "\(path)")
        }
        let wrongLast: Character = token.value.last == "0" ? "1" : "0"  // a token of the same length that differs in its last digit
        #expect(try f.http.get("/api/sweeps?token=" + String(token.value.dropLast()) + String(wrongLast)).status == 401)
        #expect(try f.http.get("/api/sweeps?token=\(token.value)x").status == 401)
        let first = try f.http.get("/?token=\(token.value)")
        #expect(first.status == 200)
        let cookie = try #require(first.headers["set-cookie"])
        #expect(cookie.hasPrefix("sweep_token=\(token.value);") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"))
        #expect(try f.http.get("/api/sweeps", headers: ["Cookie": "other=1; sweep_token=\(token.value)"]).status == 200)
        #expect(try f.http.get("/api/sweeps", headers: ["X-Sweep-Token": token.value]).status == 200)
        #expect(try f.http.get("/api/sweeps", headers: ["Cookie": "sweep_token=nope"]).status == 401)
    }

    @Test func theTokenComparisonDependsOnlyOnLengths() {
        let token = AccessToken(value: "abcdef")
        #expect(token.matches("abcdef") && !token.matches("abcdeg") && !token.matches("abcde") && !token.matches("abcdefg") && !token.matches(""))
        #expect(AccessToken().value.count == 64 && AccessToken().value != AccessToken().value)
    }

    @Test func noDatabaseYetSaysSo() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sweep-serve-\(UUID().uuidString)")
        let dashboard = try Dashboard(databasePath: directory.appendingPathComponent("sweep.sqlite").path, port: 0, workloads: [])
        Thread.detachNewThread { dashboard.run() }
        defer { dashboard.stop() }
        let response = try RawHTTP(port: Int(URL(string: dashboard.url)!.port!)).get("/api/sweeps")
        #expect(response.status == 503 && response.body.contains("no sweep database"), "\(response.body)")
    }

    @Test func aBadAddressIsAUsageError() {
        #expect(throws: ServeError.self) { try Dashboard(databasePath: "x", host: "not-an-address", port: 0, workloads: []) }
        #expect(Dashboard.isLoopback("127.0.0.1") && Dashboard.isLoopback("::1") && !Dashboard.isLoopback("0.0.0.0") && !Dashboard.isLoopback("10.0.0.1"))
    }
}

/// A model-based search's plan hash names the search, not its jobs: its configurations are
/// computed again as trials add jobs.
@Suite struct DashboardSearchTests {
    @Test func aSearchsNewTrialsAppearAsConfigurations() throws {
        let f = try DashboardFixture()
        let sweep = try f.writer.register(name: "gamma", workload: "probe", specPath: "g.json", specText: "{}", jobs: [],
                                          search: "search-test").sweep
        func trial(_ number: Int, value: Double) throws {
            let config = JobConfig(["value": .double(value), "epochs": 1, "seed": 0])
            _ = try f.writer.addTrial(sweep: sweep.id, number: number,
                                      job: NewJob(key: config.key(workload: "probe", version: 1), workload: "probe", config: config),
                                      samplerSeed: 0, proposedFrom: "random")
        }
        try trial(0, value: 1.5)
        try trial(1, value: 2.5)
        let first = try #require(try f.json("/api/sweeps/gamma/curves?metric=loss") as? [String: Any])
        #expect(first["config_count"] as? Int == 2, "\(first)")
        try trial(2, value: 3.5)
        // The answer cache may keep the first answer a moment (ten times what it cost): poll,
        // with a hang guard; the configurations' own cache would keep 2 forever.
        let deadline = Date(timeIntervalSinceNow: 30)
        var count: Int?
        repeat {
            count = (try f.json("/api/sweeps/gamma/curves?metric=loss") as? [String: Any])?["config_count"] as? Int
            if count != 3 { Thread.sleep(forTimeInterval: 0.05) }
        } while count != 3 && Date() < deadline
        #expect(count == 3)
    }
}
