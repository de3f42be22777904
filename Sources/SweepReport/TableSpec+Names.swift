import SweepCore

extension TableSpec {
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
