import SweepCore

/// Counts of (true class, predicted class) pairs, with macro-averaged precision, recall
/// and F1 (classes never true nor predicted are left out of the averages).
public struct ConfusionMatrix: Sendable, Equatable {
    /// Number of classes.
    public let classes: Int
    /// `[classes, classes]` row-major counts, row = true class, column = prediction.
    public private(set) var counts: [Int]

    /// An all-zero matrix.
    public init(classes: Int) {
        self.classes = classes
        counts = [Int](repeating: 0, count: classes * classes)
    }

    /// Records one prediction.
    public mutating func add(truth: Int, prediction: Int) {
        counts[truth * classes + prediction] += 1
    }

    /// The fraction of predictions on the diagonal.
    public var accuracy: Double {
        let total = counts.reduce(0, +)
        guard total > 0 else { return 0 }
        return Double((0..<classes).reduce(0) { $0 + counts[$1 * classes + $1] }) / Double(total)
    }

    /// Macro precision, recall and F1 over the classes that occur.
    public var macro: (precision: Double, recall: Double, f1: Double) {
        var precision = 0.0, recall = 0.0, f1 = 0.0, present = 0
        for c in 0..<classes {
            let truePositive = Double(counts[c * classes + c])
            var predicted = 0, actual = 0
            for k in 0..<classes {
                predicted += counts[k * classes + c]
                actual += counts[c * classes + k]
            }
            guard predicted + actual > 0 else { continue }
            present += 1
            let p = predicted > 0 ? truePositive / Double(predicted) : 0
            let r = actual > 0 ? truePositive / Double(actual) : 0
            precision += p
            recall += r
            f1 += p + r > 0 ? 2 * p * r / (p + r) : 0
        }
        guard present > 0 else { return (0, 0, 0) }
        let n = Double(present)
        return (precision / n, recall / n, f1 / n)
    }

    /// The matrix as a list of rows, for the job summary.
    public var json: JSONValue {
        .array((0..<classes).map { row in .array((0..<classes).map { .int(counts[row * classes + $0]) }) })
    }
}
