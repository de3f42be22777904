import ArgumentParser
import Foundation
import SweepCore
import SweepSpec
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

        @Option(help: "Which job of the spec to run, as numbered by launch --dry-run.")
        var index = 0

        @Option(help: ArgumentHelp("Or: the job whose key starts with this (4+ characters, as shown by launch --dry-run, status and logs).",
                                   valueName: "prefix"))
        var key: String?

        @Flag(help: .hidden)
        var stdio = false

        func validate() throws {
            if !stdio, spec == nil { throw ValidationError("give the spec to take the job from: sweep job SPEC --index N") }
        }

        func run() throws {
            if stdio { JobRunner(workloads: WorkloadRegistry.all).serve(inputClosed: { _exit(0) }) }
            let plan = try SpecFiles.plan(SpecFiles.resolve(spec!))
            var index = self.index
            if let key {
                let matches = plan.jobs.indices.filter { plan.jobs[$0].key.hasPrefix(key.lowercased()) }
                guard key.count >= 4, matches.count == 1 else {
                    throw ValidationError(key.count < 4 ? "--key needs at least 4 characters of the job's key"
                        : matches.isEmpty ? "no job of this spec has a key starting with \(key)"
                        : "--key \(key) matches \(matches.count) jobs of this spec; give more characters")
                }
                index = matches[0]
            }
            guard plan.jobs.indices.contains(index) else {
                throw ValidationError("--index must be in 0..<\(plan.jobs.count) for this spec")
            }
            let job = plan.jobs[index]
            print("job \(index): \(job.config.nested.canonicalText)")
            let summary = try plan.spec.workload.run(job.config, context: PrintingContext())
            print("summary: \(summary.canonicalText)")
        }
    }

    struct WorkerCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "worker",
            abstract: "Run as a headless worker speaking the wire protocol on stdin/stdout.",
            shouldDisplay: false)

        @Option(help: "Jobs to run at once.")
        var slots = ProcessInfo.processInfo.activeProcessorCount

        @Option(help: ArgumentHelp("Seconds between heartbeats.", valueName: "seconds"))
        var heartbeat = 2.0

        func validate() throws {
            guard slots >= 1 else { throw ValidationError("--slots must be at least 1") }
            guard heartbeat >= 0.01, heartbeat <= 3600 else { throw ValidationError("--heartbeat must be 0.01 to 3600 seconds") }
        }

        func run() throws {
            let executable = try SelfExecutable.path()
            let info = WorkerInfo(
                version: Sweep.version, binaryHash: try Digest.sha256Hex(fileAtPath: executable),
                hostname: ProcessInfo.processInfo.hostName, cores: ProcessInfo.processInfo.activeProcessorCount,
                slots: slots, os: MachineDescription.os(), cpu: MachineDescription.cpu())
            Worker(options: .init(slots: slots, heartbeatInterval: heartbeat, runnerExecutable: executable,
                                  runnerArguments: ["job", "--stdio"]),
                   info: info).serve()
            // Input closed or drained: exit 0, which also ends any reader thread.
        }
    }
}

/// Prints a foreground job's metrics as they come.
private final class PrintingContext: JobContext {
    func report(epoch: Int, metrics: [String: Double]) {
        let values = metrics.sorted { $0.key < $1.key }.map { "\($0.key)=\(String(format: "%.4g", $0.value))" }
        print("epoch \(epoch): " + values.joined(separator: " "))
    }

    func log(_ message: String) {
        print(message)
    }
}
