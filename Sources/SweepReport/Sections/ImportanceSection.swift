import Foundation
import SweepCore

/// "Parameter importance": the share of the variance of the configurations' main metric
/// each swept param explains on its own (one-way η², from its marginal), largest first.
/// report.md only.
public struct ImportanceSection: ReportSection {
    /// The params with a share, largest first (ties by name).
    public let shares: [(key: String, share: Double)]
    /// The main metric.
    public let metric: String

    public init(_ ranking: TableRanking) {
        var shares: [(key: String, share: Double)] = []
        for marginal in ranking.marginals {
            if let share = Self.varianceShare(marginal) { shares.append((marginal.key, share)) }
        }
        shares.sort { $0.share > $1.share || ($0.share == $1.share && $0.key < $1.key) }
        self.shares = shares
        metric = ranking.metric
    }

    /// η² of one marginal: between-value sum of squares over the total, both from its groups'
    /// means, sds and counts; nil without spread.
    static func varianceShare(_ marginal: Marginal) -> Double? {
        let groups: [SampleSummary] = marginal.summaries.compactMap { $0 }.filter { $0.mean.isFinite }
        var count = 0
        var sum = 0.0
        for group in groups {
            count += group.count
            sum += group.mean * Double(group.count)
        }
        guard groups.count > 1, count > 1 else { return nil }
        let grand = sum / Double(count)
        var between = 0.0, within = 0.0
        for group in groups {
            let offset = group.mean - grand
            let sd = group.sd ?? 0
            between += Double(group.count) * offset * offset
            within += Double(group.count - 1) * sd * sd
        }
        let total = between + within
        return total > 0 ? between / total : nil
    }
}

extension ImportanceSection {
    /// A blank line even without shares: report.md has always had it there.
    public func markdown() -> [String] {
        guard !shares.isEmpty else { return [""] }
        var lines = [
            "", "### Parameter importance", "",
            "The share of the variance of the configurations' \(ReportFormat.codeSpan(metric)) that each param "
                + "explains on its own: one-way η², the spread of its marginal means over the total. Interactions and "
                + "params that vary together are not separated (Optuna's fANOVA does that); shares need not add up to 1.",
            "", "| param | share of variance |", "| --- | ---: |",
        ]
        for (key, share) in shares { lines.append("| " + ReportFormat.markdownText(key) + " | " + String(format: "%.2f", share) + " |") }
        return lines
    }

    /// None: the dashboard does not show importance.
    public func json(into object: inout [String: JSONValue]) {}

    /// None.
    public func csvFiles() -> [ReportCSVFile] { [] }
}
