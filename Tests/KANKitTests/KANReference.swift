import Foundation
import KANKit

/// A direct, slow Double implementation of pykan's formulas, independent of KANKit's kernels.
enum KANReference {
    /// The textbook recursive Cox-de Boor basis function `B_{m,p}(x)` on `knots`.
    static func basis(_ m: Int, _ p: Int, _ x: Double, _ knots: [Double]) -> Double {
        if p == 0 { return (x >= knots[m] && x < knots[m + 1]) ? 1 : 0 }
        var value = 0.0
        let leftSpan = knots[m + p] - knots[m], rightSpan = knots[m + p + 1] - knots[m + 1]
        if leftSpan > 0 { value += (x - knots[m]) / leftSpan * basis(m, p - 1, x, knots) }
        if rightSpan > 0 { value += (knots[m + p + 1] - x) / rightSpan * basis(m + 1, p - 1, x, knots) }
        return value
    }

    /// `φ_io(x) = w_b silu(x) + w_s Σ_m c_m B_m(x)` from the layer's parameters.
    static func edge(_ layer: KANLayer, _ i: Int, _ o: Int, _ x: Double) -> Double {
        let nk = layer.knotCount, nb = layer.basisCount
        let knots = (0..<nk).map { Double(layer.grid.value[i * nk + $0]) }
        var spline = 0.0
        for m in 0..<nb { spline += Double(layer.coefficients.value[(i * nb + m) * layer.outputs + o]) * basis(m, layer.order, x, knots) }
        let silu = x / (1 + exp(-x))
        return Double(layer.scaleBase.value[i * layer.outputs + o]) * silu + Double(layer.scaleSpline.value[i * layer.outputs + o]) * spline
    }

    /// pykan's `reg` for one layer on a batch `[n, inputs]` (flat, row-major).
    static func regularization(_ layer: KANLayer, _ x: [Float], settings: KANRegularization) -> Double {
        let n = x.count / layer.inputs, (nin, nout) = (layer.inputs, layer.outputs)
        func std(_ v: [Double]) -> Double {
            let mean = v.reduce(0, +) / Double(v.count)
            return (v.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(v.count - 1)).squareRoot()
        }
        var s = [[Double]](repeating: [Double](repeating: 0, count: nin), count: nout)  // [out][in] like pykan
        for i in 0..<nin {
            let column = (0..<n).map { Double(x[$0 * nin + i]) }
            for o in 0..<nout { s[o][i] = std(column.map { edge(layer, i, o, $0) }) / (std(column) + 0.1) }
        }
        func entropy(_ p: [Double]) -> Double { -p.map { $0 * log2($0 + 1e-4) }.reduce(0, +) }
        var value = Double(settings.l1) * s.flatMap { $0 }.reduce(0, +)
        let rows = (0..<nout).map { o in entropy(s[o].map { $0 / (s[o].reduce(0, +) + 1) }) }
        let columns = (0..<nin).map { i -> Double in
            let total = (0..<nout).map { s[$0][i] }.reduce(0, +) + 1
            return entropy((0..<nout).map { s[$0][i] / total })
        }
        value += Double(settings.entropy) * (rows.reduce(0, +) / Double(nout) + columns.reduce(0, +) / Double(nin))
        let nb = layer.basisCount
        for i in 0..<nin {
            for o in 0..<nout {
                let c = (0..<nb).map { Double(layer.coefficients.value[(i * nb + $0) * nout + o]) }
                value += Double(settings.coefficient) * c.map(abs).reduce(0, +) / Double(nout)
                value += Double(settings.coefficientDifference) * (1..<nb).map { abs(c[$0] - c[$0 - 1]) }.reduce(0, +) / Double(nout)
            }
        }
        return value
    }
}
