import SweepCore

extension TableSpec {
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

    /// `unknown parameter "valeu"; did you mean "value"?` for a name not among `candidates`.
    ///
    /// - Parameter kind: What the name should have been ("parameter", "metric").
    public static func unknownName(_ name: String, kind: String, among candidates: [String]) -> String {
        let known = candidates.sorted()
        var message = "unknown \(kind) \"\(name)\""
        let suggestion = DidYouMean.suggestion(for: name, among: known)
        if suggestion.isEmpty, !known.isEmpty, known.count <= 20 {
            message += "; expected one of " + known.joined(separator: ", ")
        }
        return message + suggestion
    }
}
