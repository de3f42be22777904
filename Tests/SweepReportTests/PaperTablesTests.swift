import Foundation
import SweepCore
import SweepReport
import SweepSpec
import Testing

@Suite("The paper's tables")
struct PaperTablesTests {
    @Test("the Sweeps/ report section reproduces the layouts of Tables I-IV")
    func paperTables() throws {
        let report = Report(try Fixtures.paperSweep())
        try GoldenFile.check(report.markdown(), against: "paper.md")
        #expect(report.tables.map(\.rows.count) == [3, 4, 8, 6])
    }
}
