import Foundation
import SweepCore
import SweepReport
import SweepSpec
import Testing

@Suite("Moving-window statistics")
struct WindowStatisticsTests {
    /// The textbook formulas, written independently of the implementation: one pass of
    /// sums in reverse order, then the definitional variance.
    private func reference(_ values: ArraySlice<Double>) -> (mean: Double, sd: Double) {
        var sum = 0.0
        for value in values.reversed() { sum += value }
        let mean = sum / Double(values.count)
        let variance = values.reduce(0.0) { $0 + pow($1 - mean, 2) } / Double(values.count - 1)
        return (mean, variance.squareRoot())
    }

    /// A deterministic noisy series (64-bit LCG), so the test needs no RNG package.
    private func noisySeries(count: Int, state: UInt64) -> MetricSeries {
        var state = state
        var values: [Double] = []
        for epoch in 0..<count {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            values.append(0.5 + 0.003 * Double(epoch) + Double(state >> 11) / Double(1 << 53) * 0.1)
        }
        return MetricSeries(epochs: (0..<Int32(count)).map { $0 + 1 }, values: values)
    }

    @Test("1...10 over a window of 10 has mean 5.5 and sd sqrt(55/6)")
    func knownValues() throws {
        let series = MetricSeries(epochs: Array(1...10), values: (1...10).map(Double.init))
        let summary = try #require(SampleSummary.lastWindow(of: series, window: 10))
        #expect(summary.mean == 5.5)
        #expect(abs(try #require(summary.sd) - 3.0276503540974917) < 1e-15)
        #expect(summary.count == 10)
    }

    @Test("only the last W epochs count", arguments: [1, 3, 10, 37])
    func lastWindowMatchesReference(window: Int) throws {
        let series = noisySeries(count: 100, state: UInt64(window))
        let summary = try #require(SampleSummary.lastWindow(of: series, window: window))
        #expect(summary.count == window)
        if window == 1 {
            #expect(summary.mean == series.values.last)
            #expect(summary.sd == nil)
        } else {
            let expected = reference(series.values[(100 - window)...])
            #expect(abs(summary.mean - expected.mean) < 1e-12)
            #expect(abs(try #require(summary.sd) - expected.sd) < 1e-12)
        }
    }

    @Test("a series shorter than the window uses all its epochs")
    func shortSeries() throws {
        let series = MetricSeries(epochs: [1, 2, 3], values: [2, 4, 9])
        let summary = try #require(SampleSummary.lastWindow(of: series, window: 10))
        #expect(summary.count == 3)
        #expect(summary.mean == 5)
        #expect(abs(try #require(summary.sd) - 13.0.squareRoot()) < 1e-12)
    }

    @Test("table cells are the mean and sd across seeds of the seeds' window means")
    func cellsMatchIndependentComputation() throws {
        let input = Fixtures.distSweep()
        let report = Report(input)
        let table = report.tables[0]
        let metrics = table.metrics
        for (rowIndex, row) in table.rows.enumerated() {
            for (groupIndex, group) in table.columnGroups.enumerated() {
                let members = input.jobs.filter { job in
                    job.state == .done && job.params["distribution"] == row[0] && job.params["dataset"] == group[0]
                }
                for (metricIndex, metric) in metrics.enumerated() where metric != "wall_time" {
                    let cell = table.cells[rowIndex][groupIndex * metrics.count + metricIndex]
                    let windowMeans = members.map { reference($0.metrics[metric]!.values.suffix(10)).mean }
                    guard !windowMeans.isEmpty else {
                        #expect(cell.summary == nil)
                        continue
                    }
                    let expected = reference(windowMeans[...])
                    let summary = try #require(cell.summary)
                    #expect(cell.seeds == members.count)
                    #expect(cell.spread == .seeds)
                    #expect(abs(summary.mean - expected.mean) < 1e-12)
                    #expect(abs(try #require(summary.sd) - expected.sd) < 1e-12)
                }
            }
        }
    }

    @Test("a single done job shows its window sd, marked as one seed's; a short one is marked with a dagger")
    func singleJobCell() throws {
        let job = ReportJob(
            id: 1, key: "k", params: ["model": .string("kan")], seed: 0, state: .done,
            metrics: ["loss": MetricSeries(epochs: [1, 2, 3, 4], values: [4, 3, 2, 1])]
        )
        let input = ReportInput(sweep: "s", generatedAt: Fixtures.generatedAt, jobs: [job], tables: [TableSpec(metrics: ["loss"], window: 3)])
        let report = Report(input)
        let cell = report.tables[0].cells[0][0]
        #expect(cell.spread == .window)
        #expect(cell.summary == SampleSummary(mean: 2, sd: 1, count: 3))
        #expect(report.markdown().contains("| all | 2.00 ± 1.00‡ |"))

        var short = input
        short.tables = [TableSpec(metrics: ["loss"], window: 10)]
        #expect(Report(short).markdown().contains("| all | 2.50 ± 1.29‡† |"))
    }
}
