import Foundation
import SweepCore
import SweepStore

/// The `--json` shapes of `list`, `status`, `logs` and `workloads`, shared by the CLI and
/// `sweep serve`'s `/api/` so the terminal and the page say the same thing.
/// Keys are snake_case and sorted, times ISO 8601 UTC, absent values `null`; docs/reference.md's
/// "Output for programs" documents them. Printed as one line of canonical JSON.
public enum JSONOutput {
    public static func time(_ date: Date?) -> JSONValue { date.map { .string($0.formatted(.iso8601)) } ?? .null }

    public static func text(_ text: String?) -> JSONValue { text.map(JSONValue.string) ?? .null }

    public static func stateCounts(_ c: StateCounts) -> JSONValue {
        ["pending": .int(c.pending), "running": .int(c.running), "done": .int(c.done), "failed": .int(c.failed),
         "cancelled": .int(c.cancelled), "stopped": .int(c.stopped)]
    }

    /// One sweep of `sweep list --json` (`running`: a coordinator runs it now).
    public static func overview(_ o: SweepOverview, running: Bool) -> JSONValue {
        [
            "name": .string(o.sweep.name), "workload": .string(o.sweep.workload), "spec": .string(o.sweep.specPath),
            "revision": .int(o.revision), "jobs": .int(o.counts.total),
            "counts": stateCounts(o.counts), "launched_at": time(o.sweep.launchedAt),
            "last_activity": time(o.lastActivity), "running": .bool(running),
        ]
    }

    /// `sweep status --json`: the sweep, its counts, the coordinator (null when none runs),
    /// hosts, and (unless `--brief`) its jobs in spec order, a running job with its latest
    /// epoch and metrics.
    public static func status(sweep: SweepInfo, revision: Int, counts: StateCounts, writer: WriterLease?, hosts: [StoredHost],
                       jobs: [StoredJob]?, progress: [Int64: JobProgress], finals: [Int64: [String: Double]] = [:]) -> JSONValue {
        let interrupted = writer == nil && counts.running + counts.pending + counts.cancelled > 0
        var object: [String: JSONValue] = [
            "sweep": .string(sweep.name), "workload": .string(sweep.workload), "spec": .string(sweep.specPath),
            "revision": .int(revision), "launched_at": time(sweep.launchedAt), "counts": stateCounts(counts),
            "coordinator": writer.map { ["pid": $0.pid.map { .int(Int($0)) } ?? .null, "host": text($0.host), "since": time($0.since)] } ?? .null,
            "interrupted": .bool(interrupted),
            "hosts": .array(hosts.map {
                // Up or pending with no coordinator: interrupted, like its running jobs; after
                // a sweep that ended, no longer running.
                ["name": .string($0.name),
                 "state": .string(writer == nil && [.up, .pending].contains($0.state)
                     ? (interrupted ? "interrupted" : "not_running") : $0.state.rawValue),
                 "detail": text($0.detail),
                 "placement": $0.placement.map(placement) ?? .null]
            }),
        ]
        if let jobs {
            object["jobs"] = .array(jobs.map { job($0, coordinatorRuns: writer != nil, progress: progress[$0.id], final: finals[$0.id]) })
        }
        return .object(object)
    }

    /// One job of `sweep status --json`.
    /// - Parameter final: a done or stopped job's metrics at their last epoch.
    public static func job(_ job: StoredJob, coordinatorRuns: Bool, progress: JobProgress?, final: [String: Double]? = nil) -> JSONValue {
        // A job marked running with no coordinator was cut off when it died.
        let state = job.state == .running && !coordinatorRuns ? "interrupted" : job.state.rawValue
        return ["job": .int(Int(job.id)), "key": .string(job.key), "state": .string(state), "attempts": .int(job.attempts),
                "host": text(job.host), "config": job.config.nested, "started_at": time(job.startedAt),
                "finished_at": time(job.finishedAt), "error": text(job.error),
                "progress": progress.map { ["epoch": .int($0.epoch), "metrics": .object($0.metrics.mapValues(JSONValue.double))] } ?? .null,
                "final": final.map { .object($0.mapValues(JSONValue.double)) } ?? .null]
    }

    /// `sweep logs JOB --json`: the job, its attempts, its output lines, the files its
    /// attempts left in $SWEEP_OUTPUT, and its summary.
    public static func logs(job: StoredJob, attempts: [StoredAttempt], output: [(attempt: Int, line: String)],
                     files: [(path: String, bytes: Int?)], coordinatorRuns: Bool) -> JSONValue {
        [
            "job": .int(Int(job.id)), "key": .string(job.key), "workload": .string(job.workload), "state": .string(job.state.rawValue),
            "config": job.config.nested, "summary": job.summary ?? .null,
            "attempts": .array(attempts.map { attempt in
                let status = attempt.status == .running && !coordinatorRuns ? "interrupted" : attempt.status.rawValue
                return ["attempt": .int(attempt.attempt), "host": .string(attempt.host), "status": .string(status),
                        "started_at": time(attempt.startedAt), "finished_at": time(attempt.finishedAt),
                        "error": text(attempt.error), "stderr_tail": text(attempt.stderrTail),
                        "machine": attempt.machine.map(machine) ?? .null,
                        "placement": attempt.machine?.placement.map(placement) ?? .null]
            }),
            "output": .array(output.map { ["attempt": .int($0.attempt), "line": .string($0.line)] }),
            "output_files": .array(files.map { ["path": .string($0.path), "bytes": $0.bytes.map(JSONValue.int) ?? .null] }),
        ]
    }

    /// What ran an attempt (`machine` of `logs --json`).
    public static func machine(_ m: AttemptMachine) -> JSONValue {
        ["os": text(m.os), "cpu": text(m.cpu), "cores": m.cores.map(JSONValue.int) ?? .null,
         "sweep_version": .string(m.sweepVersion), "binary_sha256": .string(m.binaryHash), "node": text(m.node)]
    }

    /// Where an attempt ran, or what a host's worker runs in: `{"kind", "id", "node"}`.
    public static func placement(_ p: Placement) -> JSONValue {
        ["kind": .string(p.kind), "id": text(p.id), "node": text(p.node)]
    }

    /// `sweep workloads --json`: each workload with its parameters' types, ranges and defaults.
    public static func workloads(_ all: [any Workload.Type]) -> JSONValue {
        .array(all.map { workload in
            [
                "name": .string(workload.name), "version": .int(workload.version), "summary": .string(workload.summary),
                "parameters": .array(workload.parameters.map(parameter)),
            ]
        })
    }

    private static func parameter(_ p: ParamSpec) -> JSONValue {
        var object: [String: JSONValue] = ["name": .string(p.name), "default": p.defaultValue, "doc": .string(p.doc),
                                           "min": .null, "max": .null, "choices": .null]
        switch p.kind {
        case .int(let r): (object["type"], object["min"], object["max"]) = ("int", .int(r.lowerBound), .int(r.upperBound))
        case .real(let r): (object["type"], object["min"], object["max"]) = ("real", .double(r.lowerBound), .double(r.upperBound))
        case .bool: object["type"] = "bool"
        case .choice(let options): (object["type"], object["choices"]) = ("choice", .array(options.map(JSONValue.string)))
        case .text: object["type"] = "text"
        case .json(let shape): (object["type"], object["takes"]) = ("json", .string(shape))
        }
        return .object(object)
    }
}
