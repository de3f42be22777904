import ArgumentParser
import SweepRemote

/// `hosts add`'s options of a Slurm cluster (`SlurmSettings`).
struct SlurmAddOptions: HostKindOptions {
    @Flag(help: "A Slurm cluster: each worker is a Slurm job started with srun.")
    var slurm = false

    @Option(help: "With --slurm: workers (Slurm jobs) to run.")
    var workers = 1

    // Unconditional: the value itself starts with "--".
    @Option(parsing: .unconditional,
            help: ArgumentHelp("With --slurm: extra srun options, split at spaces (no shell), long form only.",
                               valueName: "options"))
    var slurmArgs: String?

    @Option(help: ArgumentHelp("With --slurm: seconds a worker may wait in the queue before it is given up.",
                               valueName: "seconds"))
    var pendingLimit = SlurmSettings.defaultPendingLimit

    @Flag(inversion: .prefixedNo, help: "With --slurm: the nodes share this home (else srun --bcast ships the binary).")
    var sharedHome = true

    static var kind: any HostKind.Type { SlurmSettings.self }
    var chosen: Bool { slurm }
    static var withoutSSH: String? { "--slurm for a Slurm cluster reached from this machine" }

    func check(for kind: String) throws {
        guard kind == SlurmSettings.name
            || (workers == 1 && slurmArgs == nil && pendingLimit == SlurmSettings.defaultPendingLimit && sharedHome)
        else { throw ValidationError("--workers, --slurm-args, --pending-limit and --no-shared-home need --slurm") }
        guard (1...256).contains(workers) else { throw ValidationError("--workers must be in 1...256") }
        guard (1...86_400).contains(pendingLimit) else { throw ValidationError("--pending-limit must be 1...86400 seconds") }
        do { _ = try SlurmSettings.splitArguments(slurmArgs ?? "") } catch { throw ValidationError("--slurm-args: \(error)") }
    }

    func settings() throws -> any HostKind {
        SlurmSettings(workers: workers, arguments: try SlurmSettings.splitArguments(slurmArgs ?? ""),
                      pendingLimit: pendingLimit, sharedHome: sharedHome)
    }
}
