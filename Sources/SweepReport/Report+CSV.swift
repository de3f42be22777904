import Foundation

extension Report {
    /// The tidy metrics table (`metrics.csv`) as one string: one row per (done job, metric,
    /// epoch) with columns `sweep, job, <params sorted by key>, seed, attempt, epoch, metric,
    /// value`; jobs by id, metrics by name, epochs ascending. A job lacking a param leaves
    /// that field empty (NaN in pandas).
    public func tidyCSV() -> String {
        var buffer = TextBuffer(capacity: 1 << 16)
        writeTidyCSV(into: &buffer, flushThreshold: .max) { _ in }
        return buffer.string
    }

    /// Streams the tidy metrics table to a file in chunks of about 1 MiB, so a million rows
    /// never sit in memory as one string.
    ///
    /// - Throws: `ReportOutputError` when a write fails.
    func writeTidyCSV(to file: ReportOutputFile) throws {
        var buffer = TextBuffer(capacity: (1 << 20) + 4096)
        try writeTidyCSV(into: &buffer, flushThreshold: 1 << 20) { chunk in
            try file.write(chunk)
        }
        try file.write(buffer)
    }

    /// Writes the tidy rows into `buffer`, handing it to `flush` (then emptying it) whenever
    /// it passes `flushThreshold` bytes; the caller writes what remains at the end.
    private func writeTidyCSV(
        into buffer: inout TextBuffer, flushThreshold: Int, flush: (TextBuffer) throws -> Void
    ) rethrows {
        let jobs = doneJobIndices.map { input.jobs[$0] }
        let paramKeys = Set(jobs.flatMap(\.params.keys)).sorted()
        let fixedColumns = ["sweep", "job", "seed", "attempt", "epoch", "metric", "value"]
        let paramColumns = CSVText.paramColumnNames(paramKeys, fixed: Set(fixedColumns))
        CSVText.appendRecord(["sweep", "job"] + paramColumns + ["seed", "attempt", "epoch", "metric", "value"], to: &buffer)

        var sweepField = TextBuffer(capacity: 64)
        CSVText.appendField(input.sweep, to: &sweepField)
        var prefix = TextBuffer(capacity: 256)
        var metricField = TextBuffer(capacity: 64)
        for job in jobs {
            // Everything up to the epoch is the same for all of a job's rows: build it once.
            prefix.removeAll()
            prefix.append(sweepField)
            prefix.append(byte: UInt8(ascii: ","))
            CSVText.appendField(job.key, to: &prefix)
            for key in paramKeys {
                prefix.append(byte: UInt8(ascii: ","))
                if let value = job.params[key] { CSVText.appendField(value.description, to: &prefix) }
            }
            prefix.append(byte: UInt8(ascii: ","))
            prefix.append(integer: job.seed)
            prefix.append(byte: UInt8(ascii: ","))
            prefix.append(integer: job.attempt)
            prefix.append(byte: UInt8(ascii: ","))

            for metric in job.metrics.keys.sorted() {
                let series = job.metrics[metric]!
                metricField.removeAll()
                metricField.append(byte: UInt8(ascii: ","))
                CSVText.appendField(metric, to: &metricField)
                metricField.append(byte: UInt8(ascii: ","))
                // Take every buffer once per series so the per-row work is appends only.
                prefix.withBytes { prefixBytes in
                    metricField.withBytes { metricBytes in
                        series.epochs.withUnsafeBufferPointer { epochs in
                            series.values.withUnsafeBufferPointer { values in
                                for index in 0..<values.count {
                                    buffer.append(prefixBytes)
                                    buffer.append(integer: Int(epochs[index]))
                                    buffer.append(metricBytes)
                                    buffer.append(roundTrip: values[index])
                                    buffer.append(byte: UInt8(ascii: "\n"))
                                }
                            }
                        }
                    }
                }
                if buffer.count >= flushThreshold {
                    try flush(buffer)
                    buffer.removeAll()
                }
            }
        }
    }
}
