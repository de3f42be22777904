#if canImport(Glibc)
import Glibc
#endif
import KANKit
import Testing
@testable import Workloads

@Suite struct LoadBalancingSymbolicTests {
    func value(_ text: String, _ x: [Float]) throws -> Double {
        let expression = try SymbolicExpression(parsing: text)
        var stack = [Double](repeating: .nan, count: max(1, expression.stackDepth))
        return x.withUnsafeBufferPointer { input in
            stack.withUnsafeMutableBufferPointer { expression.evaluate(input.baseAddress!, stack: $0.baseAddress!) }
        }
    }

    @Test func parserFollowsPrecedenceAndFunctions() throws {
        let x: [Float] = [0.5, -1.25, 2]
        let (x1, x2, x3) = (0.5, -1.25, 2.0)
        #expect(try value("-x1^2", x) == -(x1 * x1))
        #expect(try value("2^3^2", x) == 512)
        #expect(try value("2**3", x) == 8)
        #expect(try value("1 - 2 - 3", x) == -4)
        #expect(try value("8 / 4 / 2", x) == 1)
        let expected = -2 * x1 * x1 + 3 * x2 - sin(0.5 * x3) / 4 + abs(x1 - 1) + pow(exp(-x2), 2) + log(2.0) + tanh(x3) * sqrt(x3)
        let text = "-2*x1^2 + 3*x_2 - sin(0.5*x3) / 4 + |x1 - 1| + exp(-x2)**2 + ln(2) + tanh(x3)*sqrt(x3)"
        #expect(abs(try value(text, x) - expected) < 1e-12)
        #expect(try value("1.5e-3*x3 + 2.5E+1", x) == 1.5e-3 * x3 + 25)
        #expect(try SymbolicExpression(parsing: "x3 + x1").variableCount == 3)
    }

    @Test(arguments: ["x1 +", "foo(x1)", "x0", "(x1", "|x1", "2 3", "sin x1", ""])
    func parserRejectsMalformedFormulas(_ text: String) {
        #expect(throws: SymbolicExpression.ParseError.self) { try SymbolicExpression(parsing: text) }
    }

    /// A [10, 1] KAN whose every edge is exactly linear on its grid (spline coefficients at
    /// the Greville abscissae, no base branch): its symbolic policy must reproduce it.
    @Test func symbolicPolicyOfLinearEdgesMatchesTheKAN() throws {
        let kan = KAN(widths: [10, 1], grid: 5, order: 3, range: -3...3, seed: 4)
        let layer = kan.layers[0]
        let knots = layer.knotCount, basis = layer.basisCount
        for i in 0..<10 {
            let slope = Float(i) / 10 - 0.45, intercept = Float(i % 3) * 0.1
            layer.scaleBase.value[i] = 0
            layer.scaleSpline.value[i] = 1
            for m in 0..<basis {
                var greville: Float = 0
                for j in (m + 1)...(m + layer.order) { greville += layer.grid.value[i * knots + j] }
                greville /= Float(layer.order)
                layer.coefficients.value[i * basis + m] = slope * greville + intercept
            }
        }
        var generator = SeededGenerator(seed: 9)
        let samples = Tensor(shape: [40, 10])
        for s in 0..<samples.count { samples[s] = generator.uniform(-2.5, 2.5) }
        let policy = try SymbolicPolicy(fitting: kan, on: samples, threshold: 0, squash: .tanh)
        #expect(policy.rSquared.allSatisfy { ($0 ?? 0) > 0.9999 })

        let probe = Tensor(shape: [1, 10])
        for _ in 0..<100 {
            for f in 0..<10 { probe[f] = generator.uniform(-2.5, 2.5) }
            let kanMean = Double(kan.forward(probe)[0])
            #expect(abs(policy.mean(probe.data) - kanMean) < 1e-2 * (1 + abs(kanMean)))
            #expect(abs(policy.split(probe) - ActionSquash.tanh.split(kanMean)) < 1e-2)
        }
    }

    /// The formula text KANKit emits for an arbitrary KAN parses back to the same function
    /// as KANKit's own evaluation of the fitted edges (up to the 4 printed digits).
    @Test func formulaParsesBackToKANKitsSymbolicNetwork() throws {
        let kan = KAN(widths: [10, 1], grid: 3, order: 3, range: -2...2, seed: 12)
        var generator = SeededGenerator(seed: 2)
        let samples = Tensor(shape: [24, 10])
        for s in 0..<samples.count { samples[s] = generator.uniform(-2, 2) }
        let symbolic = kan.symbolic(on: samples, threshold: 0)
        let policy = try SymbolicPolicy(fitting: kan, on: samples, threshold: 0, squash: .clamp)
        #expect(policy.formula == symbolic.formulas()[0])
        for row in 0..<24 {
            let state = (0..<10).map { Double(samples[row * 10 + $0]) }
            let reference = symbolic(state)[0]
            #expect(abs(policy.mean(samples.data + row * 10) - reference) < 2e-3 * (1 + abs(reference)),
                    "\(policy.formula)")
        }
    }
}
