import Foundation
import SweepCore
import SweepReport
import SweepSpec
import SweepStore

/// Feeds a sweep's stored jobs and metric rows to SweepReport (which knows nothing of the
/// store): the only report code that touches the database. `sweep report` and `sweep serve`
/// both use it, so the page's tables are report.md's.
public enum ReportLoader {
    /// - Parameters:
    ///   - workloads: The workloads the stored spec is validated against (the CLI's registry).
    ///   - flagTable: A table from `sweep report` flags; nil means the spec's `report`
    ///     section, or the default table.
    /// - Throws: `ReportSpecError` when the flag table names a param or metric the sweep lacks.
    public static func input(store: StoreReader, sweep: SweepInfo, workloads: [any Workload.Type], flagTable: TableSpec? = nil,
                             now: Date = Date()) throws -> ReportInput {
        let stored = try store.jobs(of: sweep.id)
        var collector = MetricSeriesCollector()
        // Stopped jobs' curves too: the report draws them (dashed) and counts their epochs.
        try store.forEachOkMetric(of: sweep.id, includingStopped: true) { job, name, epoch, value in
            collector.add(job: job, name: name, epoch: epoch, value: value)
        }
        let series = collector.finish()
        // Only a stop rule runs a job's start twice on purpose (pausing); the sum costs a pass over the metrics.
        let epochsRun = stored.contains { $0.state == .stopped } ? try store.epochsRun(of: sweep.id) : [:]
        // Jobs marked running run only while a coordinator holds the store; one that died
        // left them marked so, and resume runs them again.
        let coordinatorRuns = store.writer() != nil
        // A parameter a workload gained later is left out of configs at its default, so that
        // older jobs keep their keys; tables, filters and differences see that default.
        let defaults = workloads.first { $0.name == sweep.workload }.map { workload in
            Dictionary(workload.parameters.compactMap { parameter in ParamValue(parameter.defaultValue).map { (parameter.name, $0) } }) { $1 }
        } ?? [:]
        let jobs = stored.map { job in
            var params = job.config.values.filter { $0.key != TableSpec.seedKey }.compactMapValues(ParamValue.init)
            for (name, value) in defaults where params[name] == nil { params[name] = value }
            return ReportJob(
                id: Int(job.id), key: job.key,
                params: params,
                seed: job.config.int(TableSpec.seedKey),
                state: job.state == .running && !coordinatorRuns ? .pending : job.state, host: job.host,
                attempt: job.okAttempt ?? job.attempts, startedAt: job.startedAt, finishedAt: job.finishedAt,
                error: job.error, metrics: series[job.id] ?? [:], epochsRun: epochsRun[job.id])
        }
        // The stored spec gives the table layout and the axis order; a spec this binary can
        // no longer read (say, a workload changed) still gets the default report, saying why.
        var spec: SweepSpec?
        do {
            spec = try SweepSpec(document: SpecDocument(file: sweep.specPath, text: sweep.specText), workloads: workloads)
        } catch {
            FileHandle.standardError.write(Data("warning: the spec stored with sweep \"\(sweep.name)\" no longer validates, so the report has the default table:\n\(error)\n".utf8))
        }
        // Which text of an edited spec the report used: its latest revision.
        let revision = try store.revisions(of: sweep.id).last
        let specFile = revision.map { "\(sweep.specPath) (revision \($0.revision) of \($0.createdAt.formatted(.iso8601)))" } ?? sweep.specPath
        var input = try ReportInput(
            sweep: sweep.name, specFile: specFile, spec: spec, jobs: jobs, flagTable: flagTable, generatedAt: now)
        // What produced the table: the revision's commit, and the hosts and binaries of the done attempts.
        input.specSource = revision?.gitCommit.map { commit in
            let dirty = revision?.gitDirty.map { $0 ? "dirty" : "clean" } ?? "state unknown"
            return "git commit \(commit), tree \(dirty)"
        }
        input.producedBy = try store.machines(of: sweep.id).map { host, machine in
            machine.map { "\(host) (\($0))" } ?? "\(host) (not recorded)"
        }
        return input
    }
}
