/// Orders param values: declared axis order first, then natural order, absent values last.
struct ValueOrder {
    private let ranks: [String: [ParamValue: Int]]

    init(axisOrder: [String: [ParamValue]]) {
        var ranks: [String: [ParamValue: Int]] = [:]
        for (key, values) in axisOrder {
            var rank: [ParamValue: Int] = [:]
            for (index, value) in values.enumerated() where rank[value] == nil {
                rank[value] = index
            }
            ranks[key] = rank
        }
        self.ranks = ranks
    }

    /// Lexicographic comparison of two label tuples over `keys`.
    func precedes(_ lhs: [ParamValue?], _ rhs: [ParamValue?], keys: [String]) -> Bool {
        for (index, key) in keys.enumerated() where lhs[index] != rhs[index] {
            return precedes(lhs[index], rhs[index], key: key)
        }
        return false
    }

    private func precedes(_ lhs: ParamValue?, _ rhs: ParamValue?, key: String) -> Bool {
        guard let lhs else { return false }
        guard let rhs else { return true }
        let rank = ranks[key]
        switch (rank?[lhs], rank?[rhs]) {
        case let (left?, right?): return left < right
        case (.some, nil): return true
        case (nil, .some): return false
        case (nil, nil): return lhs < rhs
        }
    }
}
