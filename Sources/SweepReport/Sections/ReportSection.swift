import SweepCore

/// One section of a report table: a value computed once when the report is built (the
/// table's cells, its best configurations, marginals, parameter importance, paired
/// differences, figures), which each format renders. report.md, the dashboard's JSON
/// (`tablesJSON`, served as `/api/sweeps/NAME/report`), the CSV and SVG files and
/// index.md's links to them are each the sections' renderings in order, so a new section
/// is one conforming type (its value and these renderers) listed in
/// `Report.sections(of:ranking:input:)`; no renderer changes.
public protocol ReportSection: Sendable {
    /// Its lines in report.md, in its table's part: each section brings its own leading
    /// blank line (none when it has nothing to say).
    func markdown() -> [String]
    /// Adds its keys to its table's object in the dashboard's JSON; the page
    /// (`Assets/app.js`, `reportCard`) shows the keys it knows.
    func json(into table: inout [String: JSONValue])
    /// Its CSV files (none for a section that only summarises what another's CSV holds).
    func csvFiles() -> [ReportCSVFile]
    /// Its SVG figures, listed in index.md under its table (most sections draw none).
    func figures() -> [ReportPlot]
}

extension ReportSection {
    public func figures() -> [ReportPlot] { [] }
}

/// A CSV file of a section: its name in the report folder, its link text in index.md, and
/// its text, made only when the file is written (a 100,000-row table's CSV is not built to
/// list its name).
public struct ReportCSVFile: Sendable {
    /// File name within the report folder, e.g. `table-1.csv`.
    public var name: String
    /// Link text in index.md, e.g. `Table CSV`.
    public var label: String
    /// Renders the file's text.
    public var text: @Sendable () -> String

    public init(name: String, label: String, text: @escaping @Sendable () -> String) {
        self.name = name
        self.label = label
        self.text = text
    }
}

/// One table of a report with what was computed from it: its ranking and its sections in
/// the order report.md shows them.
public struct ReportPart: Sendable {
    /// The table.
    public let table: ReportTable
    /// Its best configurations, marginals and heatmap over its main metric (nil: no metric).
    public let ranking: TableRanking?
    /// Its sections, rendered in this order.
    public var sections: [any ReportSection]

    /// Its sections' figures, in order.
    public func figures() -> [ReportPlot] {
        sections.flatMap { $0.figures() }
    }

    /// The first section of a type, e.g. `part.section(DifferencesSection.self)`.
    public func section<Section: ReportSection>(_ type: Section.Type) -> Section? {
        sections.lazy.compactMap { $0 as? Section }.first
    }
}
