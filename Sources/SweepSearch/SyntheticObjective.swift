import Foundation
import SweepCore

/// The standard test functions of the hyperparameter-optimisation literature, computed in
/// process, for `sweep bench tpe` and the sampler's tests: each with its box and known
/// minimum, so a search's result is a regret (found - minimum).
public struct SyntheticObjective: Sendable {
    public var name: String
    public var dimensions: [SearchDimension]
    public var minimum: Double
    public var evaluate: @Sendable ([Double]) -> Double

    /// Branin-Hoo on [-5, 10] x [0, 15]: three global minima of 0.397887.
    public static let branin = SyntheticObjective(
        name: "branin", dimensions: [.uniform(low: -5, high: 10), .uniform(low: 0, high: 15)], minimum: 0.397887357729738
    ) { x in
        let (a, b, c) = (1.0, 5.1 / (4 * Double.pi * Double.pi), 5 / Double.pi)
        let (r, s, t) = (6.0, 10.0, 1 / (8 * Double.pi))
        let u = x[1] - b * x[0] * x[0] + c * x[0] - r
        return a * u * u + s * (1 - t) * cos(x[0]) + s
    }

    /// Hartmann 6 on [0, 1]^6: global minimum -3.32237.
    public static let hartmann6 = SyntheticObjective(
        name: "hartmann6", dimensions: Array(repeating: .uniform(low: 0, high: 1), count: 6), minimum: -3.322368011415515
    ) { x in
        let alpha = [1.0, 1.2, 3.0, 3.2]
        let a: [[Double]] = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]]
        let p: [[Double]] = [[0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886], [0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991],
                             [0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650], [0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381]]
        var total = 0.0
        for i in 0..<4 {
            var inner = 0.0
            for j in 0..<6 { inner += a[i][j] * (x[j] - p[i][j]) * (x[j] - p[i][j]) }
            total -= alpha[i] * exp(-inner)
        }
        return total
    }

    public static let all = [branin, hartmann6]
}
