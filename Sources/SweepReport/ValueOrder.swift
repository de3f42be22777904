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

    /// Label tuples over `keys` sorted by `precedes(_:_:keys:)`, comparing each value's
    /// position among its key's distinct values rather than the values themselves, so
    /// 100,000 rows cost one hash per value instead of several per comparison.
    func sorted(_ labels: [[ParamValue?]], keys: [String]) -> [[ParamValue?]] {
        var positions = [[Int]](repeating: [], count: labels.count)
        for (keyIndex, key) in keys.enumerated() {
            let distinct = sortedDistinct(labels.map { $0[keyIndex] }, key: key)
            var position: [ParamValue?: Int] = [:]
            for (index, value) in distinct.enumerated() { position[value] = index }
            for index in labels.indices { positions[index].append(position[labels[index][keyIndex]]!) }
        }
        return labels.indices.sorted { positions[$0].lexicographicallyPrecedes(positions[$1]) }.map { labels[$0] }
    }

    /// The distinct values of one key, in order. The key's declared ranks are looked up once,
    /// not per comparison: a random search's 100,000 distinct values make 1.7M comparisons.
    func sortedDistinct(_ values: [ParamValue?], key: String) -> [ParamValue?] {
        let distinct = Array(Set(values))
        guard let rank = ranks[key] else {
            return distinct.sorted { lhs, rhs in
                guard let lhs else { return false }
                guard let rhs else { return true }
                return lhs < rhs
            }
        }
        return distinct.sorted { lhs, rhs in
            guard let lhs else { return false }
            guard let rhs else { return true }
            switch (rank[lhs], rank[rhs]) {
            case let (left?, right?): return left < right
            case (.some, nil): return true
            case (nil, .some): return false
            case (nil, nil): return lhs < rhs
            }
        }
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
