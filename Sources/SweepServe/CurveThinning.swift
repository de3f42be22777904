/// One metric's values over epochs, thinned as they stream in to a fixed number of points,
/// so a 300,000-epoch job costs each request the same few kilobytes as a short one.
///
/// The values are cut into buckets of `perBucket` consecutive rows, and each bucket keeps
/// its first, lowest, highest and last point: the curve's ends, its extremes and its
/// shape survive (min-max downsampling), and a curve with no more rows than `maxPoints`
/// is kept whole. NaN (stored as null) is kept where it is first or last in its bucket.
/// Each point may carry an `extra` value along (a curve's sd beside its mean).
struct CurveThinning {
    /// The rows one bucket spans (1: every point kept).
    let perBucket: Int
    private(set) var epochs: [Int] = []
    private(set) var values: [Double?] = []
    private(set) var extras: [Double?] = []
    /// The bucket being filled: its first, lowest, highest and last point so far.
    private var first: Point?
    private var low: Point?
    private var high: Point?
    private var last: Point?

    private struct Point {
        var epoch: Int
        var value: Double?
        var extra: Double?
    }
    private var filled = 0

    /// Thins `count` rows to at most `maxPoints` (at least 4) points.
    init(count: Int, maxPoints: Int) {
        let buckets = max(1, maxPoints / 4)
        perBucket = count <= maxPoints ? 1 : (count + buckets - 1) / buckets
        epochs.reserveCapacity(min(count, maxPoints))
        values.reserveCapacity(min(count, maxPoints))
        extras.reserveCapacity(min(count, maxPoints))
    }

    /// Whether points were dropped.
    var isThinned: Bool { perBucket > 1 }

    /// The next row, in epoch order.
    mutating func add(epoch: Int, value: Double?, extra: Double? = nil) {
        guard perBucket > 1 else {
            epochs.append(epoch)
            values.append(value)
            extras.append(extra)
            return
        }
        let point = Point(epoch: epoch, value: value, extra: extra)
        if first == nil { first = point }
        last = point
        if let value, !value.isNaN {
            if low.map({ value < $0.value! }) ?? true { low = point }
            if high.map({ value > $0.value! }) ?? true { high = point }
        }
        filled += 1
        if filled == perBucket { flush() }
    }

    /// Ends the last bucket; the points are then in `epochs` and `values`.
    mutating func finish() {
        if filled > 0 { flush() }
    }

    private mutating func flush() {
        var kept = [first!, last!]
        for point in [low, high] { if let point { kept.append(point) } }
        kept.sort { $0.epoch < $1.epoch }
        var previous: Int?
        for point in kept where point.epoch != previous {
            epochs.append(point.epoch)
            values.append(point.value)
            extras.append(point.extra)
            previous = point.epoch
        }
        (low, high, first, last, filled) = (nil, nil, nil, nil, 0)
    }
}
