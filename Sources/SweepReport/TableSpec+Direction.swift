extension TableSpec {
    /// The default number of best configurations a report lists.
    public static let defaultTop = 10
    /// The most best configurations a table may ask for.
    public static let maxTop = 1000

    /// Whether higher or lower values of a metric are better.
    public enum Direction: String, Sendable, Equatable, CaseIterable {
        case maximize
        case minimize

        /// The direction a metric's name implies: losses, errors, regrets and times are
        /// minimised; everything else (accuracy, reward, return, precision, f1) maximised.
        public init(metric: String) {
            let name = metric.lowercased()
            let lowerIsBetter = ["loss", "error", "err", "regret", "time", "mse", "mae", "rmse", "nll", "perplexity"]
            let words = name.split { !$0.isLetter }
            self = words.contains(where: { lowerIsBetter.contains(String($0)) }) ? .minimize : .maximize
        }
    }

    /// The direction of the table's main metric: the spec's, else from the metric's name.
    public func direction(of metric: String) -> Direction {
        direction ?? Direction(metric: metric)
    }
}
