/// Gathers metric rows, as the store streams them, into each job's `MetricSeries`.
///
/// Rows must arrive grouped by job, then ordered by epoch (then name), as
/// `StoreReader.forEachOkMetric` delivers them. A job's metrics repeat in the same order every
/// epoch, so the next name is usually the one after the last and no row needs a hash
/// lookup: this is the hot loop of a million-row report.
///
/// `add` is inlinable so the store's row loop in another module keeps it inline.
public struct MetricSeriesCollector {
    @usableFromInline var result: [Int64: [String: MetricSeries]] = [:]
    @usableFromInline var job: Int64 = -1
    @usableFromInline var names: [String] = []
    @usableFromInline var epochs: [[Int32]] = []
    @usableFromInline var values: [[Double]] = []
    @usableFromInline var next = 0

    /// Creates an empty collector.
    public init() {}

    /// Adds one row; a nil value (a NaN the store kept as NULL) is recorded as NaN.
    @inlinable
    public mutating func add(job rowJob: Int64, name: String, epoch: Int, value: Double?) {
        if rowJob != job {
            flush()
            job = rowJob
            names.removeAll()
            epochs.removeAll()
            values.removeAll()
            next = 0
        }
        if next >= names.count || names[next] != name {
            if let found = names.firstIndex(of: name) {
                next = found
            } else {
                next = names.count
                names.append(name)
                epochs.append([])
                values.append([])
            }
        }
        epochs[next].append(Int32(truncatingIfNeeded: epoch))
        values[next].append(value ?? .nan)
        next += 1
    }

    /// Each job's series by metric name, keyed by the store's job id.
    public mutating func finish() -> [Int64: [String: MetricSeries]] {
        flush()
        job = -1
        return result
    }

    @usableFromInline
    mutating func flush() {
        guard job >= 0 else { return }
        var metrics: [String: MetricSeries] = [:]
        for index in names.indices { metrics[names[index]] = MetricSeries(epochs: epochs[index], values: values[index]) }
        result[job] = metrics
    }
}
