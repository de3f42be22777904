import SweepCore

/// Collects what a job reports, for inspection.
final class RecordingContext: JobContext {
    var reports: [(epoch: Int, metrics: [String: Double])] = []
    var lines: [String] = []

    func report(epoch: Int, metrics: [String: Double]) { reports.append((epoch, metrics)) }
    func log(_ message: String) { lines.append(message) }
}
