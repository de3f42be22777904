extension Report {
    /// Every part's figures, in order: what each of its sections draws (`figures()`, today
    /// `FiguresSection`'s learning curves, heatmap, search plots and marginals).
    public func plots() -> [ReportPlot] {
        parts.flatMap { $0.figures() }
    }

    /// `count` indices spread evenly from the first to the last, at most `limit` of them.
    static func evenlySpaced(_ count: Int, atMost limit: Int) -> [Int] {
        guard count > limit else { return Array(0..<count) }
        return (0..<limit).map { $0 * (count - 1) / (limit - 1) }
    }
}
