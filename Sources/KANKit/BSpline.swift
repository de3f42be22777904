/// B-spline basis evaluation and least-squares fitting on one knot vector.
///
/// The basis functions follow pykan's `B_batch`: order-0 indicators on half-open knot spans,
/// raised by Cox-de Boor recursion, so points outside `[t₀, t_last)` get all-zero bases.
enum BSpline {
    /// The number of floats of scratch `evaluate` needs for `count` points.
    static func scratchCount(knotCount: Int, count: Int) -> Int { 2 * (knotCount - 1) * count }

    /// Evaluates the `knotCount - order - 1` basis functions (and optionally their derivatives)
    /// at `count` points.
    ///
    /// Row by row (one basis index for all points), so every inner loop is a plain vectorisable
    /// loop over points; levels alternate between the two halves of `scratch`. (Keeping all
    /// levels of 8 points in a scratch block instead was measured 2x slower: store-to-load
    /// dependencies between levels.)
    /// - Parameters:
    ///   - x: `count` points, contiguous.
    ///   - knots: `knotCount` non-decreasing knots.
    ///   - basis: receives `[basisCount, count]` (row `m` = B_m at every point), row stride `count`.
    ///   - derivative: if non-nil, receives `dB_m/dx` in the same layout.
    ///   - scratch: `scratchCount(knotCount:count:)` floats of workspace.
    static func evaluate(
        x: UnsafePointer<Float>, count: Int, knots: UnsafePointer<Float>, knotCount: Int, order: Int,
        basis: UnsafeMutablePointer<Float>, derivative: UnsafeMutablePointer<Float>?, scratch: UnsafeMutablePointer<Float>
    ) {
        var current = scratch, next = scratch + (knotCount - 1) * count
        if order == 0 {
            for m in 0..<(knotCount - 1) {
                let (lo, hi) = (knots[m], knots[m + 1])
                let row = basis + m * count
                for s in 0..<count { row[s] = (x[s] >= lo && x[s] < hi) ? 1 : 0 }
            }
            derivative?.update(repeating: 0, count: (knotCount - 1) * count)
            return
        }
        // Order 1 directly: the hat max(0, min(rising, falling)) equals the recursion from the
        // order-0 indicators when both spans are non-empty; repeated knots take the indicators.
        for m in 0..<(knotCount - 2) {
            let (t0, t1, t2) = (knots[m], knots[m + 1], knots[m + 2])
            let row = (order == 1 ? basis : current) + m * count
            let (rise, fall) = (reciprocal(t1 - t0), reciprocal(t2 - t1))
            if t1 > t0 && t2 > t1 {
                for s in 0..<count { row[s] = max(0, min((x[s] - t0) * rise, (t2 - x[s]) * fall)) }
            } else {
                for s in 0..<count {
                    let left: Float = (x[s] >= t0 && x[s] < t1) ? 1 : 0, right: Float = (x[s] >= t1 && x[s] < t2) ? 1 : 0
                    row[s] = (x[s] - t0) * rise * left + (t2 - x[s]) * fall * right
                }
            }
            if order == 1, let derivative {
                let d = derivative + m * count
                for s in 0..<count { d[s] = (x[s] >= t0 && x[s] < t1) ? rise : ((x[s] >= t1 && x[s] < t2) ? -fall : 0) }
            }
        }
        guard order >= 2 else { return }
        for p in 2...order {
            let rows = knotCount - 1 - p
            let target = p == order ? basis : next
            for m in 0..<rows {
                let (tm, tmp1, tmp, tmpp1) = (knots[m], knots[m + 1], knots[m + p], knots[m + p + 1])
                let left = reciprocal(tmp - tm), right = reciprocal(tmpp1 - tmp1)
                let lower = current + m * count, upper = current + (m + 1) * count, out = target + m * count
                // (x - t_m)·left and (t_{m+p+1} - x)·right as affine maps of x.
                let (riseShift, fallShift) = (-tm * left, tmpp1 * right)
                for s in 0..<count {
                    out[s] = (x[s] * left + riseShift) * lower[s] + (fallShift - x[s] * right) * upper[s]
                }
                if p == order, let derivative {
                    let scaledLeft = Float(p) * left, scaledRight = Float(p) * right
                    let d = derivative + m * count
                    for s in 0..<count { d[s] = scaledLeft * lower[s] - scaledRight * upper[s] }
                }
            }
            swap(&current, &next)
        }
    }

    /// `1 / span`, or 0 for a repeated knot (the matching term of the recursion vanishes).
    @inline(__always)
    static func reciprocal(_ span: Float) -> Float { span > 0 ? 1 / span : 0 }

    /// Least-squares coefficients for several curves sharing one basis matrix.
    ///
    /// Solves `(BᵀB + ridge·I) c = Bᵀy` in Double by Cholesky (pykan's `curve2coef` with its
    /// `lamb` ridge), one right-hand side per curve.
    /// - Parameters:
    ///   - basis: `[basisCount, count]` basis values.
    ///   - targets: `[curves, count]` values to fit.
    /// - Returns: `[basisCount, curves]` coefficients, row-major.
    static func fitCoefficients(
        basis: UnsafePointer<Float>, basisCount nb: Int, count: Int,
        targets: UnsafePointer<Float>, curves: Int, ridge: Double = 1e-8
    ) -> [Double] {
        var normal = [Double](repeating: 0, count: nb * nb)
        var rhs = [Double](repeating: 0, count: nb * curves)
        for r in 0..<nb {
            for c in 0...r {
                var sum = 0.0
                for s in 0..<count { sum += Double(basis[r * count + s]) * Double(basis[c * count + s]) }
                normal[r * nb + c] = sum
                normal[c * nb + r] = sum
            }
            normal[r * nb + r] += ridge
            for o in 0..<curves {
                var sum = 0.0
                for s in 0..<count { sum += Double(basis[r * count + s]) * Double(targets[o * count + s]) }
                rhs[r * curves + o] = sum
            }
        }
        return choleskySolve(normal, rhs, size: nb, columns: curves)
    }

    /// Solves `A X = B` for symmetric positive-definite `A` (`[size, size]`) and `B` (`[size, columns]`).
    static func choleskySolve(_ a: [Double], _ b: [Double], size n: Int, columns: Int) -> [Double] {
        var l = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0...i {
                var sum = a[i * n + j]
                for p in 0..<j { sum -= l[i * n + p] * l[j * n + p] }
                if i == j {
                    l[i * n + i] = max(sum, 1e-300).squareRoot()  // the ridge keeps this positive
                } else {
                    l[i * n + j] = sum / l[j * n + j]
                }
            }
        }
        var x = b
        for col in 0..<columns {
            for i in 0..<n {  // L y = b
                var sum = x[i * columns + col]
                for p in 0..<i { sum -= l[i * n + p] * x[p * columns + col] }
                x[i * columns + col] = sum / l[i * n + i]
            }
            for i in stride(from: n - 1, through: 0, by: -1) {  // Lᵀ x = y
                var sum = x[i * columns + col]
                for p in (i + 1)..<n { sum -= l[p * n + i] * x[p * columns + col] }
                x[i * columns + col] = sum / l[i * n + i]
            }
        }
        return x
    }
}
