import KANKit
import Testing

@Suite("SGEMM against a naive triple loop")
struct SGEMMTests {
    static let shapes = [(1, 1, 1), (4, 16, 3), (5, 17, 9), (13, 10, 7), (128, 8, 48), (7, 33, 1), (3, 5, 0)]

    private func naive(_ m: Int, _ n: Int, _ k: Int, _ a: (Int, Int) -> Float, _ b: (Int, Int) -> Float) -> [Float] {
        var c = [Float](repeating: 0, count: m * n)
        for i in 0..<m { for j in 0..<n { for p in 0..<k { c[i * n + j] += a(i, p) * b(p, j) } } }
        return c
    }

    @Test(arguments: shapes)
    func allVariants(shape: (Int, Int, Int)) {
        let (m, n, k) = shape
        let a = GradientCheck.randomTensor([max(m * k, 1)], seed: 1), b = GradientCheck.randomTensor([max(k * n, 1)], seed: 2)
        let start = GradientCheck.randomTensor([m * n], seed: 3)
        // A·B with A [m, k] and B [k, n]
        let expectedNN = naive(m, n, k, { a[$0 * k + $1] }, { b[$0 * n + $1] })
        // Aᵀ·B with A stored [k, m]
        let expectedTN = naive(m, n, k, { a[$1 * m + $0] }, { b[$0 * n + $1] })
        // A·Bᵀ with B stored [n, k]
        let expectedNT = naive(m, n, k, { a[$0 * k + $1] }, { b[$1 * k + $0] })
        for accumulate in [false, true] {
            for (variant, expected) in [(0, expectedNN), (1, expectedTN), (2, expectedNT)] {
                let c = Tensor(shape: [m * n])
                c.copy(from: start)
                switch variant {
                case 0: SGEMM.multiply(m: m, n: n, k: k, a: a.data, lda: k, b: b.data, ldb: n, c: c.data, ldc: n, accumulate: accumulate)
                case 1: SGEMM.multiplyTransposedA(m: m, n: n, k: k, a: a.data, lda: m, b: b.data, ldb: n, c: c.data, ldc: n, accumulate: accumulate)
                default: SGEMM.multiplyTransposedB(m: m, n: n, k: k, a: a.data, lda: k, b: b.data, ldb: k, c: c.data, ldc: n, accumulate: accumulate)
                }
                for i in 0..<(m * n) {
                    let want = expected[i] + (accumulate ? start[i] : 0)
                    #expect(abs(c[i] - want) < 1e-4, "variant \(variant) accumulate \(accumulate) at \(i)")
                }
            }
        }
    }

    /// Shapes that fill whole 8 × 8 tiles, leave partial tiles, and are thinner than a tile.
    @Test(arguments: [(16, 8), (13, 21), (3, 130), (128, 64)])
    func transposeTiles(rows: Int, columns: Int) {
        let source = (0..<(rows * columns)).map { Float($0) }
        var destination = [Float](repeating: -1, count: rows * columns)
        destination.withUnsafeMutableBufferPointer { SGEMM.transpose(source, rows: rows, columns: columns, into: $0.baseAddress!) }
        for r in 0..<rows {
            for c in 0..<columns where destination[c * rows + r] != source[r * columns + c] {
                Issue.record("(\(r), \(c)) of \(rows) x \(columns) not transposed")
                return
            }
        }
    }
}
