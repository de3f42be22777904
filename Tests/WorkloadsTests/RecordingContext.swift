import SweepCore
import Synchronization

/// Collects what a job reports, for inspection; thread-safe, as `JobContext` asks.
final class RecordingContext: JobContext, Sendable {
    private let recorded = Mutex<(reports: [(epoch: Int, metrics: [String: Double])], lines: [String])>(([], []))

    var reports: [(epoch: Int, metrics: [String: Double])] { recorded.withLock { $0.reports } }
    var lines: [String] { recorded.withLock { $0.lines } }

    func report(epoch: Int, metrics: [String: Double]) { recorded.withLock { $0.reports.append((epoch, metrics)) } }
    func log(_ message: String) { recorded.withLock { $0.lines.append(message) } }
}
