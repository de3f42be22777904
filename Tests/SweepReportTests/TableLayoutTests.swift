import Foundation
import SweepCore
import SweepReport
import SweepSpec
import Testing

@Suite("Table layout")
struct TableLayoutTests {
    private func job(_ id: Int, _ params: [String: ParamValue], seed: Int = 0, value: Double = 0.5) -> ReportJob {
        ReportJob(id: id, key: "k\(id)", params: params, seed: seed, state: .done,
                  metrics: ["acc": MetricSeries(epochs: [1, 2], values: [value, value])])
    }

    @Test("numbers sort numerically across int and double, then strings; bools first")
    func paramOrdering() {
        let values: [ParamValue] = [.string("b"), .int(10), .double(2.5), .string("B"), .int(2), .bool(true), .bool(false), .double(-1)]
        #expect(values.sorted() == [.bool(false), .bool(true), .double(-1), .int(2), .double(2.5), .int(10), .string("B"), .string("b")])
        #expect(ParamValue.double(0.001).description == "0.001")
        #expect(ParamValue.double(16).description == "16")
        #expect(ParamValue.double(1e-5).description == "1e-05")
    }

    @Test("params varying outside rows and columns become extra rows, never averaged")
    func extraVaryingParams() throws {
        let jobs = [
            job(1, ["dataset": .string("mnist"), "model": .string("kan")], value: 0.9),
            job(2, ["dataset": .string("mnist"), "model": .string("mlp")], value: 0.8),
            job(3, ["dataset": .string("mnist"), "model": .string("kan"), "kan.width": .int(16)], value: 0.95),
        ]
        let input = ReportInput(sweep: "s", generatedAt: Fixtures.generatedAt, jobs: jobs, tables: [TableSpec(columns: ["dataset"], metrics: ["acc"])])
        let table = Report(input).tables[0]
        #expect(table.rowKeys == ["kan.width", "model"])
        #expect(table.extraRowKeys == ["kan.width", "model"])
        // Absent values sort last and show as "-".
        #expect(table.rows == [[.int(16), .string("kan")], [nil, .string("kan")], [nil, .string("mlp")]])
        #expect(table.cells.map { $0[0].summary?.mean } == [0.95, 0.9, 0.8])
        let markdown = Report(input).markdown()
        #expect(markdown.contains("Also varying, so added as rows: `kan.width`, `model`."))
        #expect(markdown.contains("| - | mlp | 0.80 ± 0.00‡† |"))
    }

    @Test("the filter selects jobs and axis order beats natural order")
    func filterAndAxisOrder() {
        let jobs = [
            job(1, ["distribution": .string("beta"), "model": .string("mlp")]),
            job(2, ["distribution": .string("uniform"), "model": .string("mlp")]),
            job(3, ["distribution": .string("bernoulli"), "model": .string("mlp")]),
            job(4, ["distribution": .string("beta"), "model": .string("kan")]),
        ]
        let input = ReportInput(
            sweep: "s", generatedAt: Fixtures.generatedAt, jobs: jobs,
            tables: [TableSpec(rows: ["distribution"], metrics: ["acc"], filter: ["model": [.string("mlp")]])],
            axisOrder: ["distribution": [.string("uniform"), .string("beta")]]
        )
        let table = Report(input).tables[0]
        #expect(table.rows == [[.string("uniform")], [.string("beta")], [.string("bernoulli")]])
        #expect(table.fixedParams.map(\.key) == ["model"])
        #expect(table.jobIndices.joined().joined().sorted() == [0, 1, 2])
    }

    @Test("misspelt params and metrics are named instead of silently giving empty cells")
    func typos() {
        let input = ReportInput(sweep: "s", generatedAt: Fixtures.generatedAt, jobs: [job(1, ["distribution": .string("beta")])],
                                tables: [TableSpec(rows: ["distributon"], metrics: ["acc", "tets_acc"], filter: ["modle": [.string("kan")]])])
        let report = Report(input)
        #expect(report.tables[0].unknownKeys == ["distributon", "modle"])
        let markdown = report.markdown()
        #expect(markdown.contains("No job of the sweep has: `distributon`, `modle`."))
        #expect(markdown.contains("No job matches this table."))
        #expect(markdown.contains("Not recorded by any done job: `acc`, `tets_acc`."))
    }

    @Test("seed can be a column, showing each seed separately")
    func seedAsColumn() {
        let jobs = [job(1, ["m": .string("a")], seed: 1, value: 0.1), job(2, ["m": .string("a")], seed: 2, value: 0.2)]
        let input = ReportInput(sweep: "s", generatedAt: Fixtures.generatedAt, jobs: jobs, tables: [TableSpec(columns: ["seed"], metrics: ["acc"])])
        let table = Report(input).tables[0]
        #expect(table.columnGroups == [[.int(1)], [.int(2)]])
        #expect(table.cells[0].map { $0.summary?.mean } == [0.1, 0.2])
    }

    @Test("decimals follow two significant digits of the largest mean, or the spec")
    func decimals() {
        let jobs = [ReportJob(id: 1, key: "k", params: [:], seed: 0, state: .done, metrics: [
            "lr": MetricSeries(epochs: [1], values: [0.00037]),
            "epoch_s": MetricSeries(epochs: [1], values: [123.4]),
            "acc": MetricSeries(epochs: [1], values: [0.93]),
        ])]
        let automatic = Report(ReportInput(sweep: "s", generatedAt: Fixtures.generatedAt, jobs: jobs)).tables[0]
        #expect(automatic.metrics == ["acc", "epoch_s", "lr"])
        #expect(automatic.decimals == [2, 0, 5])
        let fixed = Report(ReportInput(sweep: "s", generatedAt: Fixtures.generatedAt, jobs: jobs, tables: [TableSpec(decimals: 3)])).tables[0]
        #expect(fixed.decimals == [3, 3, 3])
    }

    @Test("CSV fields with commas, quotes and newlines are quoted per RFC 4180")
    func csvQuoting() {
        let jobs = [ReportJob(id: 1, key: "k,1", params: ["note": .string("say \"hi\"\nthere")], seed: 3, state: .done, attempt: 2,
                              metrics: ["a,b": MetricSeries(epochs: [7], values: [0.25])])]
        let csv = Report(ReportInput(sweep: "s", generatedAt: Fixtures.generatedAt, jobs: jobs)).tidyCSV()
        #expect(csv == "sweep,job,note,seed,attempt,epoch,metric,value\ns,\"k,1\",\"say \"\"hi\"\"\nthere\",3,2,7,\"a,b\",0.25\n")
    }

    @Test("a param named like a fixed CSV column is prefixed")
    func csvColumnClash() {
        let jobs = [job(1, ["epoch": .int(5)])]
        let csv = Report(ReportInput(sweep: "s", generatedAt: Fixtures.generatedAt, jobs: jobs)).tidyCSV()
        #expect(csv.hasPrefix("sweep,job,param.epoch,seed,attempt,epoch,metric,value\ns,k1,5,0,1,1,acc,0.5\n"))
    }
}
