import Foundation
import SweepCore

extension Report {
    /// The report as Markdown (`report.md`): header, each table's sections, the jobs left
    /// out, and a footnote saying how the numbers were computed.
    public func markdown() -> String {
        var lines: [String] = ["# Sweep report: \(ReportFormat.markdownText(input.sweep))", ""]
        lines += header()
        for part in parts {
            lines += [""] + part.sections.flatMap { $0.markdown() }
        }
        let leftOut = jobsLeftOut
        if !leftOut.isEmpty {
            lines += ["", "## Jobs left out (\(leftOut.count))", ""]
            // The params every job shares say nothing about which job this is.
            let varying = varyingParamKeys
            lines += ["| job | key | state | host | attempt | config | error |", "| ---: | --- | --- | --- | ---: | --- | --- |"]
            for job in leftOut.prefix(Self.markdownRowLimit) {
                let error = job.error.map { ErrorSummary.line($0, limit: 160) } ?? ""
                let cells = [
                    String(job.id), job.key, job.state.rawValue, job.host ?? "", String(job.attempt),
                    configText(of: job, keys: varying), error,
                ]
                lines.append("| " + cells.map(ReportFormat.markdownText).joined(separator: " | ") + " |")
            }
            if leftOut.count > Self.markdownRowLimit {
                lines += ["", "\(leftOut.count - Self.markdownRowLimit) more jobs left out are not listed here; "
                    + "`sweep status \(input.sweep) --json` lists every job with its state and error."]
            }
            lines += ["", "The config column shows the params that vary in the sweep"
                + (varying.isEmpty ? " (none: every job has the same config but its seed)." : "; the others are the same for every job.")]
        }
        lines += ["", "[^method]: " + Self.methodNote]
        return lines.joined(separator: "\n") + "\n"
    }

    /// How every number is computed, printed once as the tables' footnote.
    static let methodNote = """
        Each done job contributes the mean of the metric over its last W recorded epochs \
        (W is given with each table). A cell backed by one done job shows that mean ± the sample \
        sd (n − 1) over the window; a cell backed by several seeds shows the mean ± the sample sd \
        across the seeds' window means. n is the number of seeds that contributed; "n=k of m" \
        means the configuration has m jobs and the others are not done. Only the attempt that \
        finished ok is used; jobs not done are left out of cells and listed. ‡ marks a cell backed \
        by a single seed: its ± is the spread over that job's last W epochs, not across seeds. † marks \
        a cell where a job had fewer than W epochs, so its mean covers all of them. wall_time is the \
        finished attempt's wall-clock time (h:mm:ss).
        """

    private func header() -> [String] {
        var lines: [String] = []
        if let specFile = input.specFile { lines.append("- Spec: " + ReportFormat.codeSpan(specFile)) }
        if let source = input.specSource { lines.append("- Spec source: " + ReportFormat.markdownText(source)) }
        if !input.producedBy.isEmpty {
            lines.append("- Produced by: " + input.producedBy.map(ReportFormat.markdownText).joined(separator: "; "))
        }
        lines.append("- Generated at: \(ReportFormat.timestamp(input.generatedAt))")
        var counts: [JobState: Int] = [:]
        for job in input.jobs { counts[job.state, default: 0] += 1 }
        let notDone = input.jobs.count - counts[.done, default: 0]
        if input.isRunning {
            lines.append("- Status: **running** — this report is partial; jobs not done are left out")
        } else if notDone > 0, notDone == counts[.stopped, default: 0] {
            // A stop rule's decisions end a sweep as surely as done jobs do.
            lines.append("- Status: complete (\(notDone) of \(input.jobs.count) jobs stopped early by the stop rule)")
        } else if notDone > 0 {
            // Jobs left to run and no coordinator running them: interrupted, not finished.
            let unfinished = counts[.pending, default: 0] + counts[.running, default: 0] + counts[.cancelled, default: 0] > 0
            lines.append("- Status: \(unfinished ? "interrupted (no coordinator running)" : "stopped") with \(notDone) of "
                + "\(input.jobs.count) jobs not done")
        } else {
            lines.append("- Status: complete")
        }
        // `stopped` (early stopping) only where a rule stopped something: most sweeps have none.
        let states = JobState.allCases.filter { $0 != .done && ($0 != .stopped || counts[.stopped, default: 0] > 0) }
            .map { "\(counts[$0, default: 0]) \($0 == .stopped ? "stopped early" : $0.rawValue)" }
        lines.append("- Jobs: \(input.jobs.count) total — \(counts[.done, default: 0]) done, " + states.joined(separator: ", "))
        if let compute = Self.computeLine(input.jobs) { lines.append(compute) }
        var perHost: [String: Int] = [:]
        for job in input.jobs { if let host = job.host { perHost[host, default: 0] += 1 } }
        let hosts = perHost.keys.sorted().map { "\(ReportFormat.markdownText($0)) (\(perHost[$0]!) job\(perHost[$0]! == 1 ? "" : "s"))" }
        lines.append("- Hosts used: " + (hosts.isEmpty ? "none" : hosts.joined(separator: ", ")))
        let starts = input.jobs.compactMap(\.startedAt)
        if let firstStart = starts.min() {
            let lastFinish = input.isRunning ? input.generatedAt : (input.jobs.compactMap(\.finishedAt).max() ?? input.generatedAt)
            let until = input.isRunning ? "now" : "last finish"
            lines.append("- Elapsed: \(ReportFormat.duration(lastFinish.timeIntervalSince(firstStart))) from first start to \(until)")
        }
        let wallTimes = doneJobIndices.compactMap { input.jobs[$0].wallTime }
        if let summary = SampleSummary(wallTimes) {
            var text = "- Job wall time: \(ReportFormat.duration(wallTimes.reduce(0, +))) summed over \(wallTimes.count) done jobs; "
            text += "per job \(ReportFormat.duration(summary.mean))"
            if let sd = summary.sd { text += " ± \(ReportFormat.duration(sd))" }
            text += " (min \(ReportFormat.duration(wallTimes.min()!)), max \(ReportFormat.duration(wallTimes.max()!)))"
            lines.append(text)
        }
        return lines
    }

    /// `key=value, ..., seed=N` for the params in `keys`; a param the job lacks is left out.
    func configText(of job: ReportJob, keys: [String]) -> String {
        (keys.compactMap { key in job.params[key].map { "\(key)=\($0)" } } + ["seed=\(job.seed)"]).joined(separator: ", ")
    }

}

extension Report {
    /// `- Compute: 1,234 of 5,400 epochs (23 %); 7 jobs stopped early by the stop rule (tables
    /// use done jobs only)`, when a stop rule ended some: the saving against running every job
    /// to its `epochs` (every attempt's epochs counted: a promoted job ran its start again).
    /// Nil when no job was stopped.
    static func computeLine(_ jobs: [ReportJob]) -> String? {
        let stopped = jobs.filter { $0.state == .stopped }
        guard !stopped.isEmpty else { return nil }
        var ran = 0, full = 0
        for job in jobs where job.state == .done || job.state == .stopped {
            let epochs = job.metrics.values.map { Int($0.epochs.last ?? 0) }.max() ?? 0
            ran += job.epochsRun ?? epochs
            full += job.params["epochs"]?.numericValue.map { Int($0) } ?? epochs
        }
        let share = full > 0 ? Int((Double(ran) * 100 / Double(full)).rounded()) : 100
        return "- Compute: \(ran) of \(full) epochs (\(share) %); \(stopped.count) jobs stopped early by the stop rule "
            + "(tables use done jobs only)"
    }
}
