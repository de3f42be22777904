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
        let series = try loadSeries(store: store, sweep: sweep.id)
        // Jobs marked running run only while a coordinator holds the store; one that died
        // left them marked so, and resume runs them again.
        let coordinatorRuns = store.writer() != nil
        let jobs = stored.map { job in
            ReportJob(
                id: Int(job.id), key: job.key,
                params: job.config.values.filter { $0.key != "seed" }.compactMapValues(paramValue),
                seed: job.config.int("seed"),
                state: job.state == .running && !coordinatorRuns ? .pending : reportState(job.state), host: job.host,
                attempt: job.okAttempt ?? job.attempts, startedAt: job.startedAt, finishedAt: job.finishedAt,
                error: job.error,
                metrics: series[job.id] ?? [:])
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
            isRunning: coordinatorRuns && stored.contains { $0.state == .running || $0.state == .pending },
            tables: specTables, axisOrder: axisOrder)
    }

    /// Each done job's metric series. Rows arrive by job, then epoch, then name; a job's
    /// metrics repeat in the same order every epoch, so the next name is usually the one
    /// after the last, and no row needs a hash lookup.
    static func loadSeries(store: Store, sweep: Int64) throws -> [Int64: [String: MetricSeries]] {
        var result: [Int64: [String: MetricSeries]] = [:]
        var job: Int64 = -1
        var names: [String] = []
        var epochs: [[Int32]] = []
        var values: [[Double]] = []
        var next = 0
        func flush() {
            guard job >= 0 else { return }
            var metrics: [String: MetricSeries] = [:]
            for i in names.indices { metrics[names[i]] = MetricSeries(epochs: epochs[i], values: values[i]) }
            result[job] = metrics
        }
        try store.forEachOkMetric(of: sweep) { rowJob, name, epoch, value in
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
            epochs[next].append(Int32(epoch))
            values[next].append(value ?? .nan)
            next += 1
        }
        flush()
        return result
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
