import Foundation
import SweepCore
import SweepReport
import SweepSpec
import Testing

@Suite("Loading a report's input")
struct ReportLoadingTests {
    private func job(_ id: Int, value: ParamValue, state: JobState = .done) -> ReportJob {
        ReportJob(id: id, key: "k\(id)", params: ["value": value, "model": .string("kan")], seed: 0, state: state,
                  metrics: state == .done ? ["loss": MetricSeries(epochs: [1, 2], values: [Double(id), Double(id)])] : [:])
    }

    @Test("--where value=1 matches a job whose value is the real 1.0, and only it")
    func numbersMatchByValue() throws {
        let table = try TableSpec(rows: nil, columns: nil, metrics: "loss", window: nil, filters: ["value=1"])
        #expect(table.filter == ["value": [.int(1)]])
        let jobs = [job(1, value: .double(1)), job(2, value: .double(1.5)), job(3, value: .int(2))]
        let input = try ReportInput(sweep: "s", specFile: nil, spec: nil, jobs: jobs, flagTable: table, generatedAt: Fixtures.generatedAt)
        let built = Report(input).tables[0]
        try #require(built.jobCount == 1)
        #expect(built.cells[0][0].summary?.mean == 1)
        // And the other way round: a real in the filter matches an integer param.
        let real = try TableSpec(rows: nil, columns: nil, metrics: "loss", window: nil, filters: ["value=2.0"])
        let other = try ReportInput(sweep: "s", specFile: nil, spec: nil, jobs: jobs, flagTable: real, generatedAt: Fixtures.generatedAt)
        #expect(Report(other).tables[0].cells[0][0].summary?.mean == 3)
    }

    @Test("flags naming a param or metric the sweep lacks are errors with a did-you-mean", arguments: [
        ("valeu", nil, nil, [String](), #"--rows: unknown parameter "valeu"; did you mean "value"?"#),
        (nil, "modle", nil, [], #"--columns: unknown parameter "modle"; did you mean "model"?"#),
        (nil, nil, nil, ["vlaue=1"], #"--where: unknown parameter "vlaue"; did you mean "value"?"#),
        (nil, nil, "los", [], #"--metrics: unknown metric "los"; did you mean "loss"?"#),
        ("zzzzzz", nil, nil, [], #"--rows: unknown parameter "zzzzzz"; expected one of model, seed, value"#),
    ])
    func unknownNames(rows: String?, columns: String?, metrics: String?, filters: [String], message: String) throws {
        let table = try TableSpec(rows: rows, columns: columns, metrics: metrics, window: nil, filters: filters)
        #expect(throws: ReportSpecError.self) {
            try ReportInput(sweep: "s", specFile: nil, spec: nil, jobs: [job(1, value: .double(1))], flagTable: table, generatedAt: Fixtures.generatedAt)
        }
        do {
            _ = try ReportInput(sweep: "s", specFile: nil, spec: nil, jobs: [job(1, value: .double(1))], flagTable: table, generatedAt: Fixtures.generatedAt)
        } catch {
            #expect(error.description == message)
        }
    }

    @Test("known names, seed and wall_time pass; metrics are not judged before any job is done")
    func knownNames() throws {
        let table = try TableSpec(rows: "value", columns: "seed", metrics: "loss,wall_time", window: 3, filters: ["model=kan"])
        let input = try ReportInput(sweep: "s", specFile: nil, spec: nil, jobs: [job(1, value: .double(1))], flagTable: table, generatedAt: Fixtures.generatedAt)
        #expect(input.tables == [table])
        let early = try TableSpec(rows: nil, columns: nil, metrics: "accuracy", window: nil)
        let pending = try ReportInput(sweep: "s", specFile: nil, spec: nil, jobs: [job(1, value: .double(1), state: .pending)],
                                      flagTable: early, generatedAt: Fixtures.generatedAt)
        #expect(pending.tables == [early])
    }

    @Test("the spec gives the tables and the axis order; flags replace its tables")
    func specTablesAndAxisOrder() throws {
        let text = """
            {"workload": "table-test", "grid": {"value": [2, 0.5]}, "zip": [{"model": ["mlp", "kan"]}],
             "report": {"tables": [{"rows": ["value"], "window": 3}]}}
            """
        let spec = try SweepSpec(document: SpecDocument(file: "t.json", text: text), workloads: [TableTestWorkload.self])
        let input = try ReportInput(sweep: "s", specFile: "t.json", spec: spec, jobs: [], flagTable: nil, generatedAt: Fixtures.generatedAt)
        #expect(input.tables == [TableSpec(rows: ["value"], window: 3)])
        #expect(input.axisOrder == ["value": [.double(2), .double(0.5)], "model": [.string("mlp"), .string("kan")]])
        let flags = try TableSpec(rows: nil, columns: nil, metrics: nil, window: 4)
        let replaced = try ReportInput(sweep: "s", specFile: "t.json", spec: spec, jobs: [], flagTable: flags, generatedAt: Fixtures.generatedAt)
        #expect(replaced.tables == [flags])
    }

    @Test("metric rows in store order become each job's series, whatever order the names come in")
    func collector() {
        var collector = MetricSeriesCollector()
        for (job, name, epoch, value) in [
            (Int64(3), "loss", 1, 0.5 as Double?), (3, "acc", 1, 0.1), (3, "loss", 2, 0.4), (3, "acc", 2, nil),
            (7, "acc", 1, 0.9), (7, "lr", 1, 0.01), (7, "acc", 2, 0.95), (7, "extra", 2, 1),
        ] {
            collector.add(job: job, name: name, epoch: epoch, value: value)
        }
        let series = collector.finish()
        #expect(Set(series.keys) == [3, 7])
        #expect(series[3]?["loss"] == MetricSeries(epochs: [1, 2], values: [0.5, 0.4]))
        #expect(series[3]?["acc"]?.epochs == [1, 2])
        #expect(series[3]?["acc"]?.values[1].isNaN == true)
        #expect(series[7]?["acc"] == MetricSeries(epochs: [1, 2], values: [0.9, 0.95]))
        #expect(series[7]?["lr"] == MetricSeries(epochs: [1], values: [0.01]))
        #expect(series[7]?["extra"] == MetricSeries(epochs: [2], values: [1]))
    }
}
