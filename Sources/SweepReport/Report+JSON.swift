import SweepCore

extension Report {
    /// The report's tables as `sweep serve`'s `/api/sweeps/NAME/report` gives them: per
    /// table, the keys its sections add (`TableSection`: heading, header and rows as
    /// report.md shows them; `BestConfigurationsSection`: `best`; `DifferencesSection`:
    /// `differences`; see each section's `json(into:)`).
    public func tablesJSON() -> JSONValue {
        .object([
            "sweep": .string(input.sweep),
            "method": .string(Self.methodNote),
            "difference_method": .string(DifferencesSection.method),
            "tables": .array(parts.map { part in
                // The page reads `best` as null when no section sets it.
                var object: [String: JSONValue] = ["best": .null]
                for section in part.sections { section.json(into: &object) }
                return .object(object)
            }),
        ])
    }
}
