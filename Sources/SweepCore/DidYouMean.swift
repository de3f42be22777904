/// "Did you mean" suggestions for misspelt keys and parameters.
public enum DidYouMean {
    /// `"; did you mean \"kan.width\"?"`, or "" when nothing is close.
    public static func suggestion(for word: String, among candidates: [String]) -> String {
        // The distance costs length x length: a name this long is no typo of a parameter.
        guard word.utf8.count <= 64 else { return "" }
        // A bare leaf name ("width") suggests every dotted parameter ending in it.
        let suffixMatches = candidates.filter { $0.hasSuffix("." + word) }.sorted()
        if !suffixMatches.isEmpty {
            return "; did you mean " + suffixMatches.map { "\"\($0)\"" }.joined(separator: " or ") + "?"
        }
        let scored = candidates.map { ($0, distance(word.lowercased(), $0.lowercased())) }
        guard let best = scored.min(by: { ($0.1, $0.0) < ($1.1, $1.0) }),
            best.1 <= max(2, word.count / 3)
        else { return "" }
        return "; did you mean \"\(best.0)\"?"
    }

    /// Levenshtein distance.
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        var previous = Array(0...b.count)
        var current = previous
        for i in 1...a.count {
            current[0] = i
            for j in stride(from: 1, through: b.count, by: 1) {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
