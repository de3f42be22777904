import Foundation
import KANKit
import Testing

@Suite("Symbolic fitting of edges and networks")
struct SymbolicTests {
    private let xs = (0..<200).map { -1 + 2 * Double($0) / 199 }

    @Test func recoversTheIssueExample() {
        let ys = xs.map { 2 * sin(3 * $0 + 1) - 0.5 }
        let fit = SymbolicFit.best(x: xs, y: ys)
        #expect(fit.function == .sin)
        #expect(fit.rSquared > 0.999)
        #expect(xs.allSatisfy { abs(fit($0) - (2 * sin(3 * $0 + 1) - 0.5)) < 0.02 })
    }

    /// A target built from `function` with a non-trivial affine map inside and outside.
    private func target(_ function: SymbolicFunction, _ x: Double) -> Double {
        switch function {
        case .identity: 3 * x - 1
        case .square: 1.5 * (0.7 * x + 0.2) * (0.7 * x + 0.2)
        case .cube: -(1.3 * x + 0.5) * (1.3 * x + 0.5) * (1.3 * x + 0.5)
        case .exp: 0.5 * exp(2.5 * x - 0.3) + 1
        case .log: log(2 * x + 2.2)
        case .sqrt: 2 * (x + 1.05).squareRoot()
        case .tanh: 2 * tanh(4 * x - 1)
        case .sin: 2 * sin(3 * x + 1) - 0.5
        case .abs: abs(x - 0.3) - 0.2
        }
    }

    @Test(arguments: SymbolicFunction.allCases)
    func recoversEachPrimitive(_ expected: SymbolicFunction) {
        let fit = SymbolicFit.best(x: xs, y: xs.map { target(expected, $0) })
        #expect(fit.function == expected, "chose \(fit.function) with R² \(fit.rSquared)")
        #expect(fit.rSquared > 0.999)
    }

    @Test func rendersReadableFormulas() {
        let fit = SymbolicFit(function: .sin, a: 3, b: 1, c: 2, d: -0.5, rSquared: 1)
        #expect(fit.render("x1") == "2*sin(3*x1 + 1) - 0.5")
        let line = SymbolicFit(function: .identity, a: 1, b: 0, c: -0.25, d: 0, rSquared: 1)
        #expect(line.render("x2") == "-0.25*x2")
    }

    @Test func networkFormulasTrackTheNetwork() {
        let network = KAN(widths: [2, 2, 1], grid: 3, order: 3, seed: 3)
        let samples = GradientCheck.randomTensor([128, 2], seed: 4)
        let symbolic = network.symbolic(on: samples)
        let formulas = symbolic.formulas()
        #expect(formulas.count == 1)
        #expect(formulas[0].contains("x1") && formulas[0].contains("x2"), "\(formulas[0])")
        #expect(symbolic.worstRSquared > 0.95)
        let r2 = Self.rSquared(of: symbolic, against: network, on: samples)
        #expect(r2 > 0.95, "network-level R² \(r2)")
    }

    @Test func biasesAreConstantsOfTheirNodes() {
        let network = KAN(widths: [2, 2, 1], grid: 3, order: 3, bias: true, seed: 3)
        network.layers[0].bias!.value[0] = 0.2
        network.layers[0].bias!.value[1] = -0.1
        network.layers[1].bias!.value[0] = 1.5  // far more than the output's spread: a missing bias shows
        let samples = GradientCheck.randomTensor([128, 2], seed: 4)
        let symbolic = network.symbolic(on: samples)
        #expect(symbolic.biases.map { $0.map(Float.init) } == [[0.2, -0.1], [1.5]])
        let r2 = Self.rSquared(of: symbolic, against: network, on: samples)
        #expect(r2 > 0.95, "network-level R² \(r2)")
    }

    /// R² of the symbolic network's single output against the network's on 2-input `samples`.
    static func rSquared(of symbolic: SymbolicKAN, against network: KAN, on samples: Tensor) -> Double {
        let exact = network.forward(samples).values.map(Double.init)
        let approximate = (0..<samples.batch).map { symbolic([Double(samples[2 * $0]), Double(samples[2 * $0 + 1])])[0] }
        let mean = exact.reduce(0, +) / Double(exact.count)
        let residual = zip(exact, approximate).map { ($0 - $1) * ($0 - $1) }.reduce(0, +)
        let total = exact.map { ($0 - mean) * ($0 - mean) }.reduce(0, +)
        return 1 - residual / total
    }

    @Test func droppedEdgesAreOmitted() {
        let network = KAN(widths: [2, 1], seed: 5)
        network.layers[0].scaleBase.value[1] = 0
        network.layers[0].scaleSpline.value[1] = 0
        let formulas = network.symbolicFormula(on: GradientCheck.randomTensor([64, 2], seed: 6), inputNames: ["load", "delay"])
        #expect(formulas[0].contains("load") && !formulas[0].contains("delay"), "\(formulas[0])")
    }
}
