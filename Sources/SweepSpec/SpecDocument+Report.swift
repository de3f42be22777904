import SweepCore
import SweepReport

extension SpecDocument {
    /// Reads the `report` section of a parsed spec on its own (no workload: names and
    /// filter values are not checked against parameters; `SweepSpec` does that).
    ///
    /// - Throws: `SpecError` with every problem, each with its file, position and path.
    public static func reportSection(of document: SpecDocument) throws(SpecError) -> [TableSpec] {
        var reader = ReportSectionReader(document: document, schema: nil)
        let tables = reader.read(document.root["report"])
        guard reader.diagnostics.isEmpty else { throw SpecError(reader.diagnostics) }
        return tables
    }
}
