import Foundation
import SweepCore
import SweepReport
import SweepSpec
import Testing

@Suite("Markdown escaping of strings from specs")
struct MarkdownEscapingTests {
    static let hostile = "a|b `code` *em* _u_ [x](http://e) <img src=x onerror=alert(1)> & ~~s~~ \\ line\nbreak"
    static let escaped = #"a\|b \`code\` \*em\* \_u\_ \[x\](http://e) &lt;img src=x onerror=alert(1)&gt; &amp; \~\~s\~\~ \\ line break"#

    private func report() -> Report {
        let jobs = [
            ReportJob(id: 1, key: "k1", params: ["note": .string(Self.hostile), "we`ird|key": .int(1)], seed: 0, state: .done,
                      metrics: ["train_acc": MetricSeries(epochs: [1], values: [0.5])]),
            ReportJob(id: 2, key: "k2", params: ["note": .string("plain"), "we`ird|key": .int(2)], seed: 0, state: .failed,
                      error: "boom <b>|</b>"),
        ]
        return Report(ReportInput(
            sweep: "s<x>", specFile: "Sweeps/`odd`.json", generatedAt: Fixtures.generatedAt, jobs: jobs,
            tables: [TableSpec(title: "T | *bold*\n# heading", rows: ["note"], metrics: ["train_acc"], filter: ["note": [.string(Self.hostile), .string("plain")]])]))
    }

    @Test("a hostile parameter value is literal text in the cell, its header and the filter line")
    func hostileValue() {
        let markdown = report().markdown()
        #expect(markdown.contains("| \(Self.escaped) | 0.50† |"))
        #expect(markdown.contains("Only jobs with `note` in \(Self.escaped), plain."))
        // Every row of the table has exactly its own separators: 2 cells, 3 unescaped pipes.
        let row = markdown.split(separator: "\n").first { $0.hasPrefix("| a") }.map(String.init) ?? ""
        #expect(row.replacingOccurrences(of: "\\|", with: "").filter { $0 == "|" }.count == 3)
        #expect(!markdown.contains("<img") && !markdown.contains("<b>"))
        #expect(markdown.contains("boom &lt;b&gt;\\|&lt;/b&gt;"))
    }

    @Test("titles, sweep names, spec paths and keys with backticks cannot break out")
    func namesAndTitles() {
        let markdown = report().markdown()
        #expect(markdown.hasPrefix("# Sweep report: s&lt;x&gt;\n"))
        #expect(markdown.contains("- Spec: `` Sweeps/`odd`.json ``\n"))
        #expect(markdown.contains("## T \\| \\*bold\\* # heading\n"))
        #expect(markdown.contains("Also differing with the rows and columns: `` we`ird|key ``."))
        #expect(markdown.contains("| note=plain, we\\`ird\\|key=2, seed=0 |"))
    }

    @Test("underscores inside words stay as written, as CommonMark reads them literally")
    func intrawordUnderscore() {
        let markdown = report().markdown()
        #expect(markdown.contains("| note | train_acc |"))
    }

    @Test("the index escapes table headings and plot labels")
    func index() {
        let report = report()
        let index = report.index(formats: .all)
        #expect(index.contains("## T \\| \\*bold\\* # heading"))
        #expect(index.contains("[note=\(Self.escaped)]("))
    }
}
