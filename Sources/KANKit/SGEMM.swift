/// Single-precision matrix products shaped for the layers' forward and backward passes.
///
/// All matrices are row-major with explicit leading dimensions. The kernels keep a 4x16 tile of
/// C in SIMD8 registers across the whole inner dimension (B rows are contiguous vector loads,
/// A elements are broadcasts), so the same code serves `A·B` and `Aᵀ·B` through A's strides.
/// Nothing allocates.
public enum SGEMM {
    /// Computes `C = A·B` or `C += A·B` with A of shape `[m, k]` and B of shape `[k, n]`.
    /// - Parameters:
    ///   - a: A, row-major, leading dimension `lda` (>= k).
    ///   - b: B, row-major, leading dimension `ldb` (>= n).
    ///   - c: C `[m, n]`, leading dimension `ldc` (>= n).
    ///   - accumulate: add into C instead of overwriting it.
    @inlinable
    public static func multiply(
        m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool
    ) {
        product(m: m, n: n, k: k, a: a, aRowStride: lda, aInnerStride: 1, b: b, ldb: ldb, c: c, ldc: ldc, accumulate: accumulate)
    }

    /// Computes `C = Aᵀ·B` or `C += Aᵀ·B` where A is stored as `[k, m]` (so Aᵀ is `[m, k]`).
    /// - Parameters:
    ///   - a: A stored `[k, m]`, row-major, leading dimension `lda` (>= m).
    ///   - b: B `[k, n]`, leading dimension `ldb`.
    ///   - c: C `[m, n]`, leading dimension `ldc`.
    ///   - accumulate: add into C instead of overwriting it.
    @inlinable
    public static func multiplyTransposedA(
        m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool
    ) {
        product(m: m, n: n, k: k, a: a, aRowStride: 1, aInnerStride: lda, b: b, ldb: ldb, c: c, ldc: ldc, accumulate: accumulate)
    }

    /// Computes `C = A·Bᵀ` or `C += A·Bᵀ` where B is stored as `[n, k]`, as dot products.
    ///
    /// Efficient when `k` is long (e.g. a weight gradient summed over a whole batch of pixels);
    /// for short `k`, transpose B into scratch and use `multiply` instead.
    /// - Parameters:
    ///   - a: A `[m, k]`, leading dimension `lda`.
    ///   - b: B stored `[n, k]`, leading dimension `ldb`.
    ///   - c: C `[m, n]`, leading dimension `ldc`.
    ///   - accumulate: add into C instead of overwriting it.
    public static func multiplyTransposedB(
        m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool
    ) {
        for i in 0..<m {
            for j in 0..<n {
                let d = dot(a + i * lda, b + j * ldb, k)
                c[i * ldc + j] = accumulate ? c[i * ldc + j] + d : d
            }
        }
    }

    /// The sum of `x[i] * y[i]` for `i < count`, with SIMD8 partial sums.
    @inlinable
    public static func dot(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ count: Int) -> Float {
        var s0 = SIMD8<Float>(), s1 = SIMD8<Float>()
        var p = 0
        while p + 16 <= count {
            s0 = madd(s0, load8(x + p), load8(y + p))
            s1 = madd(s1, load8(x + p + 8), load8(y + p + 8))
            p += 16
        }
        if p + 8 <= count {
            s0 = madd(s0, load8(x + p), load8(y + p))
            p += 8
        }
        var total = (s0 + s1).sum()
        while p < count {
            total += x[p] * y[p]
            p += 1
        }
        return total
    }

    /// The shared driver: A element `(i, p)` is `a[i * aRowStride + p * aInnerStride]`.
    @usableFromInline
    static func product(
        m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, aRowStride: Int, aInnerStride: Int,
        b: UnsafePointer<Float>, ldb: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool
    ) {
        if k == 0 {
            if !accumulate { for i in 0..<m { (c + i * ldc).update(repeating: 0, count: n) } }
            return
        }
        var i = 0
        // Eight accumulator vectors per tile hide the add latency (Swift does not fuse a*b+c).
        while i + 8 <= m {
            let aRows = a + i * aRowStride
            let cRows = c + i * ldc
            var j = 0
            while j + 16 <= n {
                tile4x16(k, aRows, aRowStride, aInnerStride, b + j, ldb, cRows + j, ldc, accumulate)
                tile4x16(k, aRows + 4 * aRowStride, aRowStride, aInnerStride, b + j, ldb, cRows + 4 * ldc + j, ldc, accumulate)
                j += 16
            }
            while j + 8 <= n {
                tile8x8(k, aRows, aRowStride, aInnerStride, b + j, ldb, cRows + j, ldc, accumulate)
                j += 8
            }
            if j < n {
                tile4x8(k, aRows, aRowStride, aInnerStride, b + j, ldb, cRows + j, ldc, n - j, accumulate)
                tile4x8(k, aRows + 4 * aRowStride, aRowStride, aInnerStride, b + j, ldb, cRows + 4 * ldc + j, ldc, n - j, accumulate)
            }
            i += 8
        }
        while i + 4 <= m {
            let aRows = a + i * aRowStride
            let cRows = c + i * ldc
            var j = 0
            while j + 16 <= n {
                tile4x16(k, aRows, aRowStride, aInnerStride, b + j, ldb, cRows + j, ldc, accumulate)
                j += 16
            }
            while j < n {
                tile4x8(k, aRows, aRowStride, aInnerStride, b + j, ldb, cRows + j, ldc, min(8, n - j), accumulate)
                j += 8
            }
            i += 4
        }
        while i < m {
            var j = 0
            while j < n {
                tile1x8(k, a + i * aRowStride, aInnerStride, b + j, ldb, c + i * ldc + j, min(8, n - j), accumulate)
                j += 8
            }
            i += 1
        }
    }

    /// `acc + a·b`: one fused instruction when the build enables `KANKIT_FMA` (set by the
    /// manifest together with `-march=x86-64-v3`, or on arm64), else a multiply and an add.
    /// Without hardware FMA, `addingProduct` would become a libm call per lane, hence the switch.
    @usableFromInline @inline(__always)
    static func madd(_ acc: SIMD8<Float>, _ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
        #if KANKIT_FMA
        acc.addingProduct(a, b)
        #else
        acc + a * b
        #endif
    }

    @usableFromInline @inline(__always)
    static func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    @usableFromInline @inline(__always)
    static func store8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>, _ accumulate: Bool) {
        let raw = UnsafeMutableRawPointer(p)
        let result = accumulate ? v + raw.loadUnaligned(as: SIMD8<Float>.self) : v
        raw.storeBytes(of: result, as: SIMD8<Float>.self)
    }

    /// Loads `width` (< 8) floats into the low lanes of a zeroed vector.
    @usableFromInline @inline(__always)
    static func loadPartial(_ p: UnsafePointer<Float>, _ width: Int) -> SIMD8<Float> {
        var v = SIMD8<Float>()
        for lane in 0..<width { v[lane] = p[lane] }
        return v
    }

    @usableFromInline @inline(__always)
    static func storePartial(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>, _ width: Int, _ accumulate: Bool) {
        for lane in 0..<width { p[lane] = accumulate ? p[lane] + v[lane] : v[lane] }
    }

    @usableFromInline
    static func tile4x16(
        _ k: Int, _ a: UnsafePointer<Float>, _ rs: Int, _ cs: Int,
        _ b: UnsafePointer<Float>, _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) {
        var c00 = SIMD8<Float>(), c01 = SIMD8<Float>(), c10 = SIMD8<Float>(), c11 = SIMD8<Float>()
        var c20 = SIMD8<Float>(), c21 = SIMD8<Float>(), c30 = SIMD8<Float>(), c31 = SIMD8<Float>()
        var pa = a, pb = b
        for _ in 0..<k {
            let b0 = load8(pb), b1 = load8(pb + 8)
            let a0 = SIMD8(repeating: pa[0]), a1 = SIMD8(repeating: pa[rs])
            let a2 = SIMD8(repeating: pa[2 * rs]), a3 = SIMD8(repeating: pa[3 * rs])
            c00 = madd(c00, a0, b0); c01 = madd(c01, a0, b1)
            c10 = madd(c10, a1, b0); c11 = madd(c11, a1, b1)
            c20 = madd(c20, a2, b0); c21 = madd(c21, a2, b1)
            c30 = madd(c30, a3, b0); c31 = madd(c31, a3, b1)
            pa += cs
            pb += ldb
        }
        store8(c00, c, accumulate); store8(c01, c + 8, accumulate)
        store8(c10, c + ldc, accumulate); store8(c11, c + ldc + 8, accumulate)
        store8(c20, c + 2 * ldc, accumulate); store8(c21, c + 2 * ldc + 8, accumulate)
        store8(c30, c + 3 * ldc, accumulate); store8(c31, c + 3 * ldc + 8, accumulate)
    }

    @usableFromInline
    static func tile8x8(
        _ k: Int, _ a: UnsafePointer<Float>, _ rs: Int, _ cs: Int,
        _ b: UnsafePointer<Float>, _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool
    ) {
        var c0 = SIMD8<Float>(), c1 = SIMD8<Float>(), c2 = SIMD8<Float>(), c3 = SIMD8<Float>()
        var c4 = SIMD8<Float>(), c5 = SIMD8<Float>(), c6 = SIMD8<Float>(), c7 = SIMD8<Float>()
        var pa = a, pb = b
        for _ in 0..<k {
            let bv = load8(pb)
            c0 = madd(c0, SIMD8(repeating: pa[0]), bv)
            c1 = madd(c1, SIMD8(repeating: pa[rs]), bv)
            c2 = madd(c2, SIMD8(repeating: pa[2 * rs]), bv)
            c3 = madd(c3, SIMD8(repeating: pa[3 * rs]), bv)
            c4 = madd(c4, SIMD8(repeating: pa[4 * rs]), bv)
            c5 = madd(c5, SIMD8(repeating: pa[5 * rs]), bv)
            c6 = madd(c6, SIMD8(repeating: pa[6 * rs]), bv)
            c7 = madd(c7, SIMD8(repeating: pa[7 * rs]), bv)
            pa += cs
            pb += ldb
        }
        store8(c0, c, accumulate); store8(c1, c + ldc, accumulate)
        store8(c2, c + 2 * ldc, accumulate); store8(c3, c + 3 * ldc, accumulate)
        store8(c4, c + 4 * ldc, accumulate); store8(c5, c + 5 * ldc, accumulate)
        store8(c6, c + 6 * ldc, accumulate); store8(c7, c + 7 * ldc, accumulate)
    }

    @usableFromInline
    static func tile4x8(
        _ k: Int, _ a: UnsafePointer<Float>, _ rs: Int, _ cs: Int,
        _ b: UnsafePointer<Float>, _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int,
        _ width: Int, _ accumulate: Bool
    ) {
        var c0 = SIMD8<Float>(), c1 = SIMD8<Float>(), c2 = SIMD8<Float>(), c3 = SIMD8<Float>()
        var pa = a, pb = b
        if width == 8 {
            for _ in 0..<k {
                let bv = load8(pb)
                c0 = madd(c0, SIMD8(repeating: pa[0]), bv)
                c1 = madd(c1, SIMD8(repeating: pa[rs]), bv)
                c2 = madd(c2, SIMD8(repeating: pa[2 * rs]), bv)
                c3 = madd(c3, SIMD8(repeating: pa[3 * rs]), bv)
                pa += cs
                pb += ldb
            }
            store8(c0, c, accumulate); store8(c1, c + ldc, accumulate)
            store8(c2, c + 2 * ldc, accumulate); store8(c3, c + 3 * ldc, accumulate)
        } else {
            for _ in 0..<k {
                let bv = loadPartial(pb, width)
                c0 = madd(c0, SIMD8(repeating: pa[0]), bv)
                c1 = madd(c1, SIMD8(repeating: pa[rs]), bv)
                c2 = madd(c2, SIMD8(repeating: pa[2 * rs]), bv)
                c3 = madd(c3, SIMD8(repeating: pa[3 * rs]), bv)
                pa += cs
                pb += ldb
            }
            storePartial(c0, c, width, accumulate); storePartial(c1, c + ldc, width, accumulate)
            storePartial(c2, c + 2 * ldc, width, accumulate); storePartial(c3, c + 3 * ldc, width, accumulate)
        }
    }

    @usableFromInline
    static func tile1x8(
        _ k: Int, _ a: UnsafePointer<Float>, _ cs: Int,
        _ b: UnsafePointer<Float>, _ ldb: Int, _ c: UnsafeMutablePointer<Float>,
        _ width: Int, _ accumulate: Bool
    ) {
        var acc = SIMD8<Float>()
        var pa = a, pb = b
        for _ in 0..<k {
            let bv = width == 8 ? load8(pb) : loadPartial(pb, width)
            acc = madd(acc, SIMD8(repeating: pa[0]), bv)
            pa += cs
            pb += ldb
        }
        if width == 8 { store8(acc, c, accumulate) } else { storePartial(acc, c, width, accumulate) }
    }

    /// Writes the transpose of `source` (`[rows, columns]`, leading dimension `columns`) into
    /// `destination` (`[columns, rows]`).
    public static func transpose(
        _ source: UnsafePointer<Float>, rows: Int, columns: Int, into destination: UnsafeMutablePointer<Float>
    ) {
        // 8 × 8 tiles: a row-at-a-time transpose writes every element to a different cache
        // line (a KAN forward's [128, 64] input: 8 % of the layer's time).
        let tile = 8
        for r0 in stride(from: 0, to: rows, by: tile) {
            let r1 = min(r0 + tile, rows)
            for c0 in stride(from: 0, to: columns, by: tile) {
                let c1 = min(c0 + tile, columns)
                for col in c0..<c1 {
                    for r in r0..<r1 { destination[col * rows + r] = source[r * columns + col] }
                }
            }
        }
    }
}
