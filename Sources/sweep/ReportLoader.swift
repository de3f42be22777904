import Foundation
import SweepCore
import SweepReport
import SweepSpec
import SweepStore

/// Builds a report's input from the store and the sweep's stored spec.
enum ReportLoader {
    /// - Parameter tables: tables from flags; empty means the spec's `report` section, or the default.
    static func input(store: Store, sweep: SweepInfo, tables: [TableSpec], now: Date = Date()) throws -> ReportInput {
        let stored = try store.jobs(of: sweep.id)
        var series: [Int64: [String: (epochs: [Int32], values: [Double])]] = [:]
        try store.forEachOkMetric(of: sweep.id) { job, name, epoch, value in
            series[job, default: [:]][name, default: ([], [])].epochs.append(Int32(epoch))
            series[job, default: [:]][name, default: ([], [])].values.append(value ?? .nan)
        }
        let jobs = stored.map { job in
            ReportJob(
                id: Int(job.id), key: job.key,
                params: job.config.values.filter { $0.key != "seed" }.compactMapValues(paramValue),
                seed: job.config.int("seed"), state: reportState(job.state), host: job.host,
                attempt: job.okAttempt ?? job.attempts, startedAt: job.startedAt, finishedAt: job.finishedAt,
                error: job.error,
                metrics: (series[job.id] ?? [:]).mapValues { MetricSeries(epochs: $0.epochs, values: $0.values) })
        }

        var specTables = tables
        var axisOrder: [String: [ParamValue]] = [:]
        // The stored spec gives the table layout and the axis order; a spec this binary can
        // no longer read (say, a workload changed) still gets the default report.
        if let plan = try? SpecFiles.plan(file: sweep.specPath, text: sweep.specText) {
            for axis in plan.spec.grid + plan.spec.zip.flatMap({ $0 }) {
                axisOrder[axis.param] = axis.values.compactMap(paramValue)
            }
            if specTables.isEmpty, let section = plan.spec.report {
                specTables = try TableSpec.parseReportSection(foundationObject(section), path: "\(sweep.specPath): report")
            }
        }
        return ReportInput(
            sweep: sweep.name, specFile: sweep.specPath, generatedAt: now, jobs: jobs,
            isRunning: stored.contains { $0.state == .running }, tables: specTables, axisOrder: axisOrder)
    }

    static func paramValue(_ value: JSONValue) -> ParamValue? {
        switch value {
        case .int(let v): return .int(v)
        case .double(let v): return .double(v)
        case .string(let v): return .string(v)
        case .bool(let v): return .bool(v)
        default: return nil
        }
    }

    static func reportState(_ state: SweepStore.JobState) -> SweepReport.JobState {
        switch state {
        case .pending: return .pending
        case .running: return .running
        case .done: return .done
        case .failed: return .failed
        case .cancelled: return .cancelled
        }
    }

    /// The `JSONSerialization` form SweepReport's table parser reads.
    static func foundationObject(_ value: JSONValue) -> Any {
        switch value {
        case .null: return NSNull()
        case .bool(let v): return NSNumber(value: v)
        case .int(let v): return NSNumber(value: v)
        case .double(let v): return NSNumber(value: v)
        case .string(let v): return v
        case .array(let items): return items.map(foundationObject)
        case .object(let members): return members.mapValues(foundationObject)
        }
    }
}
