import ArgumentParser
import SweepRemote

/// `hosts add`'s options of an SSH host (`SSHSettings`).
struct SSHAddOptions: HostKindOptions {
    @Option(help: "GPUs of the host: slot i's jobs get CUDA_VISIBLE_DEVICES=i mod n (0: the variable is left as the host sets it).")
    var gpus = 0

    static var kind: any HostKind.Type { SSHSettings.self }
    var chosen: Bool { true }
    static var withoutSSH: String? { nil }

    func check(for kind: String) throws {
        guard (0...HostFile.maxGPUs).contains(gpus) else { throw ValidationError("--gpus must be in 0...\(HostFile.maxGPUs)") }
        guard gpus == 0 || kind == SSHSettings.name else {
            throw ValidationError("--gpus is for SSH hosts; a Slurm cluster's GPUs are asked for with --slurm-args \"--gres=gpu:N\"")
        }
    }

    func settings() throws -> any HostKind { SSHSettings(gpus: gpus) }
}
