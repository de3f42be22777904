import Foundation
import SweepCoordinator
import SweepCore
import SweepReport
import SweepSpec
import SweepStore
import Workloads

/// The `progress` cell of a running job in `sweep status`: `epoch 3/50 · loss 0.1234 · eta 00:41`.
enum StatusProgress {
    /// The sweep's main metric: the first metric of its spec's first report table, or nil
    /// (then the first metric the job reported, by name).
    static func mainMetric(of sweep: SweepInfo) -> String? {
        let spec = try? SweepSpec(document: SpecDocument(file: sweep.specPath, text: sweep.specText), workloads: WorkloadRegistry.all)
        return spec?.objective?.metric ?? spec?.report.first?.metrics.first
    }

    /// Every metric the spec's report tables name.
    static func reportMetrics(of sweep: SweepInfo) -> [String] {
        let spec = try? SweepSpec(document: SpecDocument(file: sweep.specPath, text: sweep.specText), workloads: WorkloadRegistry.all)
        return spec?.report.flatMap(\.metrics) ?? []
    }

    /// A finished job's result: `final loss 0.2551` (the main metric, else the first).
    static func final(_ metrics: [String: Double], metric: String?) -> String {
        guard let name = metric.flatMap({ metrics[$0] != nil ? $0 : nil }) ?? metrics.keys.sorted().first,
              let value = metrics[name] else { return "" }
        return "final \(TerminalText.oneLine(name, limit: 40)) \(String(format: "%.4g", value))"
    }

    static func describe(_ progress: JobProgress, job: StoredJob, metric: String?, now: Date = Date()) -> String {
        let epochs = job.config["epochs"]?.intValue
        var parts = ["epoch \(progress.epoch)" + (epochs.map { "/\($0)" } ?? "")]
        if let name = metric ?? progress.metrics.keys.sorted().first, let value = progress.metrics[name] {
            parts.append("\(name) \(String(format: "%.4g", value))")
        }
        // The remaining epochs at the pace so far (the start includes set-up, so it errs long).
        if let epochs, let start = job.startedAt, progress.epoch > 0, epochs >= progress.epoch {
            let perEpoch = now.timeIntervalSince(start) / Double(progress.epoch)
            parts.append("eta " + ProgressLine.clock(perEpoch * Double(epochs - progress.epoch)))
        }
        return parts.joined(separator: " · ")
    }
}
