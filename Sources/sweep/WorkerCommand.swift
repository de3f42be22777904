import ArgumentParser
import Foundation
import SweepCore
import SweepRemote
import SweepRuntime
import SweepWire
import SweepWorker

extension Sweep {
    struct WorkerCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "worker",
            abstract: "Run as a headless worker speaking the wire protocol on stdin/stdout.",
            shouldDisplay: false)

        @Option(help: "Jobs to run at once.")
        var slots = ProcessInfo.processInfo.activeProcessorCount

        @Option(help: ArgumentHelp("Seconds between heartbeats.", valueName: "seconds"))
        var heartbeat = 2.0

        @Option(help: "GPUs of this host: slot i's jobs get CUDA_VISIBLE_DEVICES=i mod n (0: left as it is).")
        var gpus = 0

        @Flag(help: ArgumentHelp("This executable is srun --bcast's copy for this Slurm job alone: remove it at start."))
        var broadcastCopy = false

        func validate() throws {
            guard slots >= 1 else { throw ValidationError("--slots must be at least 1") }
            guard (0...HostFile.maxGPUs).contains(gpus) else { throw ValidationError("--gpus must be 0 to \(HostFile.maxGPUs)") }
            guard heartbeat >= 0.01, heartbeat <= 3600 else { throw ValidationError("--heartbeat must be 0.01 to 3600 seconds") }
        }

        func run() throws {
            let executable = try SelfExecutable.path()
            let info = WorkerInfo(
                version: Sweep.version, binaryHash: try Digest.sha256Hex(fileAtPath: executable),
                hostname: ProcessInfo.processInfo.hostName, cores: ProcessInfo.processInfo.activeProcessorCount,
                slots: slots, os: MachineDescription.os(), cpu: MachineDescription.cpu(),
                // A scheduler's job and node, when one started this worker (a host kind reads its environment).
                placement: HostKinds.placement(environment: ProcessInfo.processInfo.environment))
            var runner = executable
            if broadcastCopy {
                try BroadcastCopy.remove(executable, job: ProcessInfo.processInfo.environment["SLURM_JOB_ID"])
                // The file is gone; the kernel still holds the running image, which runners start from.
                runner = "/proc/self/exe"
            }
            var options = Worker.Options(slots: slots, heartbeatInterval: heartbeat, runnerExecutable: runner,
                                         runnerArguments: ["job", "--stdio"])
            options.jobFolders = JobFolder.base
            options.gpus = gpus
            // A crashing job's backtrace goes into its stderr tail: keep it to the crashed
            // thread's frames, without register and image dumps (unless the user chose).
            // Set here, once, before any runner starts (the runners inherit it).
            setenv("SWIFT_BACKTRACE", "interactive=no,color=no,threads=crashed,registers=none,images=none,limit=24", 0)
            Worker(options: options, info: info, input: 0, output: Job.protocolOutput()).serve()
            // Input closed or drained: exit 0, which also ends any reader thread.
        }
    }
}
