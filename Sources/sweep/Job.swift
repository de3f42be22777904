import ArgumentParser
import Foundation
import SweepCore
import SweepRemote
import SweepSpec
import SweepStore
import SweepRuntime
import SweepWire
import SweepWorker
import Workloads

extension Sweep {
    struct Job: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run one job of a spec in the foreground, printing its metrics (for debugging).",
            discussion: "With --stdio it is the job-runner process a worker starts; that form is internal.")

        @Argument(help: ArgumentHelp("The spec file or its bare name.", valueName: "spec"))
        var spec: String?

        @Argument(help: ArgumentHelp(
            "The job: its number in the store (as status, logs and launch --dry-run show it) or 4+ characters of its key.",
            valueName: "job"))
        var job: String?

        @OptionGroup var store: StoreOptions

        @Flag(help: .hidden)
        var stdio = false

        func validate() throws {
            if !stdio, spec == nil || job == nil { throw ValidationError("say which job of which spec: sweep job SPEC JOB") }
        }

        func run() throws {
            if stdio {
                // This process is a job runner from here on; what that changes process-wide is
                // done here. The worker's mark leaves the environment before any job runs, so that
                // no job's program inherits it (and could write another job's stderr lines).
                let mark = ProcessInfo.processInfo.environment[StderrMark.environmentName].map(StderrMark.init(token:))
                unsetenv(StderrMark.environmentName)
                signal(SIGTERM) { _ in JobRunner.requestStop() }
                JobRunner(workloads: WorkloadRegistry.all, stderrMark: mark)
                    .serve(output: Self.protocolOutput(), inputClosed: { _exit(0) })
            }
            let plan = try SpecFiles.plan(SpecFiles.resolve(spec!))
            let index = try position(of: job!, in: plan)
            let job = plan.jobs[index]
            print("job \(self.job!) (\(job.key.prefix(12))): \(job.config.nested.canonicalText)")
            let summary = try plan.spec.workload.run(job.config, context: PrintingContext())
            print("summary: \(summary.canonicalText)")
        }

        /// Where the job named by `reference` is in `plan`: a number is the store's (one
        /// numbering with status and logs), anything else a key prefix.
        private func position(of reference: String, in plan: SweepPlan) throws -> Int {
            var key = reference.lowercased()
            if Int64(reference) != nil, FileManager.default.fileExists(atPath: store.db),
               let stored = try StoreReader(path: store.db).job(reference) {
                key = stored.key
            } else if key.count < 4 {
                throw CommandFailure(Int64(reference) == nil ? "a job key prefix needs at least 4 characters"
                    : "no job \(reference) in \(store.db); name it by 4+ characters of its key (launch --dry-run shows them)",
                    exitCode: CommandFailure.badJob)
            }
            let matches = plan.jobs.indices.filter { plan.jobs[$0].key.hasPrefix(key) }
            guard matches.count == 1 else {
                throw CommandFailure(matches.isEmpty ? "job \(reference) is not a job of this spec"
                    : "\(reference) matches \(matches.count) jobs of this spec; give more characters of the key",
                    exitCode: CommandFailure.badJob)
            }
            return matches[0]
        }
    }
}

extension Sweep.Job {
    /// Takes this process's stdout for the wire protocol and points descriptor 1 at stderr,
    /// so that anything else printed (by a workload, a library) cannot corrupt a message.
    static func protocolOutput() -> Descriptor {
        let protocolFD = dup(1)
        dup2(2, 1)
        return Descriptor(protocolFD)
    }
}

/// Prints a foreground job's metrics as they come.
private final class PrintingContext: JobContext {
    func report(epoch: Int, metrics: [String: Double]) {
        let values = metrics.sorted { $0.key < $1.key }.map { "\($0.key)=\(String(format: "%.4g", $0.value))" }
        print("epoch \(epoch): " + values.joined(separator: " "))
    }

    /// The job's own text: on a terminal its control characters are shown, not run.
    func log(_ message: String) {
        print(isatty(STDOUT_FILENO) == 1 ? TerminalText.visible(message, keepingLines: true) : message)
    }
}

/// srun --bcast's copy of the binary on a node without a shared home
/// (`/tmp/slurm_bcast_JOB.STEP_NODE`): the worker removes it as it starts, so no copy is left
/// however the worker ends (kill -9, node crash, time limit).
enum BroadcastCopy {
    /// Removes `path` only if it is the copy srun made for Slurm job `job`: a file named
    /// `slurm_bcast_JOB.` in the broadcast folder, so the flag cannot delete anything else.
    static func remove(_ path: String, job: String?) throws {
        let name = (path as NSString).lastPathComponent
        let folder = (path as NSString).deletingLastPathComponent + "/"
        guard let job, !job.isEmpty, job.allSatisfy(\.isNumber), name.hasPrefix("slurm_bcast_\(job)."),
              folder == SlurmTransport.broadcastFolder else {
            throw CommandFailure("--broadcast-copy: \(path) is not srun --bcast's copy for this Slurm job "
                + "(\(SlurmTransport.broadcastFolder)slurm_bcast_<SLURM_JOB_ID>.<step>_<node>); not removing it")
        }
        guard unlink(path) == 0 || errno == ENOENT else {
            throw CommandFailure("--broadcast-copy: cannot remove \(path): \(String(cString: strerror(errno)))")
        }
    }
}
