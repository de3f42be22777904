import Foundation
import SweepCore
import SweepReport
import SweepSpec
import SweepTestSupport
import Testing

@Suite("Paired differences: KAN − MLP by seed, and one metric minus another")
struct DifferenceTests {
    /// KAN and MLP at two conv depths, seeds 0-2, constant series so every window mean is
    /// known: MLP = 0.70 + 0.01·seed, KAN = MLP + gap[conv][seed]. At conv 2 the MLP's seed 2
    /// failed, so that KAN job has no partner.
    private static let gaps: [Int: [Double]] = [1: [0.02, 0.03, 0.04], 2: [0.01, -0.01, 0.02]]

    /// Table 1's computed differences.
    private static func differences(_ report: Report) throws -> [TableDifference] {
        try #require(report.parts[0].section(DifferencesSection.self)).differences
    }

    private static func input(differences: [TableSpec.Difference]) -> ReportInput {
        var jobs: [ReportJob] = []
        for conv in [1, 2] {
            for model in ["kan", "mlp"] {
                for seed in 0...2 {
                    let mlp = 0.70 + 0.01 * Double(seed)
                    let value = model == "kan" ? mlp + gaps[conv]![seed] : mlp
                    let failed = model == "mlp" && conv == 2 && seed == 2
                    let series = MetricSeries(epochs: Array(1...12), values: Array(repeating: value, count: 12))
                    // A second metric 0.1·seed below the first, for the within-job difference.
                    let symbolic = MetricSeries(epochs: [12], values: [value - 0.1 * Double(seed)])
                    jobs.append(ReportJob(
                        id: jobs.count + 1, key: "k\(jobs.count)", params: ["model": .string(model), "conv_layers": .int(conv)],
                        seed: seed, state: failed ? .failed : .done,
                        metrics: failed ? [:] : ["test_acc": series, "symbolic_acc": symbolic]))
                }
            }
        }
        return ReportInput(
            sweep: "conv", generatedAt: Fixtures.generatedAt, jobs: jobs,
            tables: [TableSpec(rows: ["model", "conv_layers"], metrics: ["test_acc"], window: 10, differences: differences)])
    }

    @Test("kan − mlp pairs jobs by seed: mean, sd, the t interval and the reading")
    func paramDifference() throws {
        let report = Report(Self.input(differences: [.param("model", value: .string("kan"), other: .string("mlp"))]))
        let difference = try #require(report.parts.first?.section(DifferencesSection.self)?.differences.first)
        #expect(difference.keys == ["conv_layers"])
        #expect(difference.lines.count == 2)

        let deep = difference.lines[0]
        #expect(deep.labels == [.int(1)])
        let summary = try #require(deep.summary)
        #expect(summary.count == 3)
        #expect(abs(summary.mean - 0.03) < 1e-12)
        #expect(abs(summary.sd! - 0.01) < 1e-12)
        // t(0.975, 2) = 4.303: half-width 4.303 · 0.01 / √3.
        let interval = try #require(deep.interval)
        #expect(abs(interval.lowerBound - (0.03 - 4.303 * 0.01 / 3.0.squareRoot())) < 1e-9)
        #expect(!deep.isWithinNoise)
        // Relative to MLP: gap / (0.70 + 0.01·seed), averaged over seeds.
        let relative = [0.02 / 0.70, 0.03 / 0.71, 0.04 / 0.72]
        #expect(abs(deep.relative!.mean - relative.reduce(0, +) / 3) < 1e-12)

        let shallow = difference.lines[1]
        #expect(shallow.labels == [.int(2)])
        #expect(shallow.summary?.count == 2)  // seed 2 of the MLP failed
        #expect(shallow.unpaired == 1)
        #expect(abs(shallow.summary!.mean - 0.0) < 1e-12)
        #expect(shallow.isWithinNoise)

        let markdown = report.markdown()
        #expect(markdown.contains("### Difference model: kan − mlp, paired by seed"))
        // Two decimals, as the table's cells; the interval 0.03 ± 0.0248 and relative sd 1.35 %.
        #expect(markdown.contains("| 1 | test_acc | +0.03 ± 0.01 | +4.2 % ± 1.3 % | 3 | \\[+0.01, +0.05\\] | kan higher |"))
        // Seeds 0 and 1 only: +0.01 and −0.01; t(0.975, 1) = 12.706 gives ±0.127.
        #expect(markdown.contains("| 2 | test_acc | +0.00 ± 0.01 | "))
        #expect(markdown.contains("| 2 (1 unpaired) | \\[-0.13, +0.13\\] | within noise |"))
    }

    @Test("lines without any pair are counted in report.md and kept in the CSV")
    func linesWithoutPairs() throws {
        var input = Self.input(differences: [.param("model", value: .string("kan"), other: .string("mlp"))])
        input.jobs.removeAll { $0.params["model"] == .string("mlp") && $0.params["conv_layers"] == .int(2) }
        let report = Report(input)
        #expect(try Self.differences(report)[0].lines.count == 2)
        let markdown = report.markdown()
        #expect(markdown.contains("| 1 | test_acc | +0.03 ± 0.01 |"))
        #expect(!markdown.contains("| 2 | test_acc |"))
        #expect(markdown.contains("1 of 2 lines had no pair"))
        #expect(DifferencesSection.csv(try Self.differences(report)).split(separator: "\n").count == 3)
    }

    @Test("report.md shows at most markdownRowLimit difference lines; the CSV has them all")
    func boundedLines() throws {
        var jobs: [ReportJob] = []
        let series = MetricSeries(epochs: [1], values: [0.5])
        for value in 0...Report.markdownRowLimit {
            for model in ["kan", "mlp"] {
                jobs.append(ReportJob(
                    id: jobs.count + 1, key: "k\(jobs.count)", params: ["model": .string(model), "value": .int(value)],
                    seed: 0, state: .done, metrics: ["test_acc": series]))
            }
        }
        let input = ReportInput(
            sweep: "big", generatedAt: Fixtures.generatedAt, jobs: jobs,
            tables: [TableSpec(rows: ["value", "model"], metrics: ["test_acc"], window: 1,
                               differences: [.param("model", value: .string("kan"), other: .string("mlp"))])])
        let report = Report(input)
        let lines = Report.markdownRowLimit + 1
        #expect(try Self.differences(report)[0].lines.count == lines)
        let markdown = report.markdown()
        #expect(markdown.contains("The first \(Report.markdownRowLimit) of \(lines) lines with pairs are shown"))
        #expect(markdown.components(separatedBy: "| test_acc | +0.00 |").count - 1 == Report.markdownRowLimit)
        #expect(DifferencesSection.csv(try Self.differences(report)).split(separator: "\n").count == lines + 1)
    }

    @Test("a metric minus another within each job")
    func metricDifference() throws {
        let report = Report(Self.input(differences: [.metrics("symbolic_acc", other: "test_acc")]))
        let difference = try #require(report.parts.first?.section(DifferencesSection.self)?.differences.first)
        #expect(difference.keys == ["model", "conv_layers"])
        let first = try #require(difference.lines.first?.summary)
        // −0.1·seed for seeds 0, 1, 2: mean −0.1, sd 0.1.
        #expect(abs(first.mean + 0.1) < 1e-12)
        #expect(abs(first.sd! - 0.1) < 1e-12)
        #expect(difference.lines[0].isWithinNoise)  // t-interval ±0.248 holds 0
        #expect(report.markdown().contains("### Difference symbolic_acc − test_acc, within each job"))
    }

    @Test("a param with one value in the table says so; differences go to their own CSV")
    func noteAndCSV() throws {
        var input = Self.input(differences: [.param("conv_layers", value: .int(1), other: .int(2))])
        input.tables[0].filter = ["conv_layers": [.int(1)]]
        let noted = Report(input)
        #expect(try Self.differences(noted)[0].lines.isEmpty)
        #expect(try Self.differences(noted)[0].note == "no job of this table has `conv_layers` = 2, so there is nothing to compare")

        let report = Report(Self.input(differences: [.param("model", value: .string("kan"), other: .string("mlp"))]))
        let scratch = try TemporaryFolder("differences")
        let folder = scratch.url.appendingPathComponent("differences")
        let written = try report.write(to: folder, formats: .csv)
        let csvURL = try #require(written.first { $0.lastPathComponent == "table-1-differences.csv" })
        let rows = try String(contentsOf: csvURL, encoding: .utf8).split(separator: "\n")
        #expect(rows.first == "conv_layers,difference,metric,mean,sd,relative_mean,relative_sd,n,ci95_low,ci95_high,unpaired")
        #expect(rows.count == 3)
        let deep = rows[1].split(separator: ",")
        #expect(deep[0...2] == ["1", "model: kan − mlp", "test_acc"])
        #expect(abs(Double(deep[3])! - 0.03) < 1e-12 && abs(Double(deep[4])! - 0.01) < 1e-12 && deep[7] == "3")
        let shallow = rows[2].split(separator: ",", omittingEmptySubsequences: false)
        #expect(shallow[0] == "2" && shallow[7] == "2" && shallow[10] == "1")
    }

    @Test("t quantiles: the table's values and the approximation beyond 30 degrees of freedom")
    func studentT() {
        func halfWidth(_ count: Int) -> Double {
            let interval = SampleSummary(mean: 1, sd: 1, count: count).meanInterval95!
            return (interval.upperBound - interval.lowerBound) / 2 * Double(count).squareRoot()
        }
        #expect(abs(halfWidth(2) - 12.706) < 1e-9)
        #expect(abs(halfWidth(31) - 2.042) < 1e-9)
        #expect(abs(halfWidth(41) - 2.021) < 0.002)  // df 40
        #expect(abs(halfWidth(121) - 1.980) < 0.002)  // df 120
        #expect(SampleSummary(mean: 1, sd: nil, count: 1).meanInterval95 == nil)
    }
}

@Suite("Differences in the spec's report section and in flags")
struct DifferenceSpecTests {
    private func tables(_ section: String) throws -> [TableSpec] {
        let text = #"{"workload": "table-test", "report": {"tables": [{"rows": ["model"], "differences": "# + section + #"}]}}"#
        return try SweepSpec(document: SpecDocument(file: "s.json", text: text), workloads: [TableTestWorkload.self]).report
    }

    @Test("param and metric differences parse; values are coerced by the param's schema")
    func parses() throws {
        let parsed = try tables(#"[{"param": "model", "values": ["kan", "mlp"]}, {"param": "value", "values": [1, 2.5]}, {"metrics": ["a", "b"]}]"#)
        #expect(parsed.first?.differences == [
            .param("model", value: .string("kan"), other: .string("mlp")),
            .param("value", value: .double(1), other: .double(2.5)),
            .metrics("a", other: "b"),
        ])
    }

    @Test("bad differences are reported with their path", arguments: [
        (#"[{"param": "modle", "values": ["kan", "mlp"]}]"#, #"differences[0].param: unknown parameter "modle"; did you mean "model"?"#),
        (#"[{"param": "model", "values": ["kan", "kan"]}]"#, #"differences[0].values: expected two different values of "model""#),
        (#"[{"param": "model", "values": ["kan"]}]"#, #"differences[0].values: expected two values of "model""#),
        (#"[{"param": "model", "values": ["kan", "svm"]}]"#, "differences[0].values[1]: expected one of"),
        (#"[{"param": "seed", "values": [0, 1]}]"#, "differences[0].param: expected the name of a swept param (not seed)"),
        (#"[{"param": "model", "metrics": ["a", "b"]}]"#, #"differences[0]: expected an object with either "param" and "values" or "metrics""#),
        (#"[{"metrics": ["a"]}]"#, "differences[0].metrics: expected two metrics, the first minus the second"),
        (#"{"param": "model"}"#, "differences: expected a list of at most 16 differences"),
    ])
    func rejects(section: String, message: String) {
        do {
            _ = try tables(section)
            Issue.record("expected an error for \(section)")
        } catch {
            #expect("\(error)".contains(message), "\(error)")
        }
    }

    @Test("flags: --difference param=a,b and --metric-difference m1,m2")
    func flags() throws {
        let table = try TableSpec(rows: "model", columns: nil, metrics: nil, window: nil,
                                  differences: ["model=kan,mlp"], metricDifferences: ["eval.symbolic,eval.policy"])
        #expect(table.differences == [.param("model", value: .string("kan"), other: .string("mlp")), .metrics("eval.symbolic", other: "eval.policy")])
        for (differences, metrics, message) in [
            (["model=kan"], [String](), "--difference: expected param=a,b"),
            (["model=kan,kan"], [], "--difference: expected param=a,b"),
            (["seed=0,1"], [], "--difference: expected param=a,b"),
            ([], ["a"], "--metric-difference: expected two different metrics"),
        ] {
            #expect(throws: ReportSpecError.self) {
                _ = try TableSpec(rows: nil, columns: nil, metrics: nil, window: nil, differences: differences, metricDifferences: metrics)
            }
            do {
                _ = try TableSpec(rows: nil, columns: nil, metrics: nil, window: nil, differences: differences, metricDifferences: metrics)
            } catch {
                #expect("\(error)".hasPrefix(message), "\(error)")
            }
        }
    }
}
