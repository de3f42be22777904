import ArgumentParser
import Foundation
import SweepCoordinator
import SweepRemote

/// Options of every command that runs jobs (launch, resume, retry).
///
/// Numbers are parsed `.unconditional`ly, so that `--timeout -5` reaches `validate()` and
/// is refused for what it is (ArgumentParser would take `-5` for an option and say the
/// value is missing).
struct RunOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Worker hosts: a directory of host files or one file. Default: Hosts/ if it has any.",
                               valueName: "dir-or-file"))
    var hosts: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("Jobs to run at once on this machine (0: remote hosts only). Default: the number of cores.",
                               valueName: "n"))
    var localSlots: Int?

    @Option(parsing: .unconditional, help: ArgumentHelp("GPUs of this machine: each local job gets CUDA_VISIBLE_DEVICES set to one of them (slot i gets device i mod n). Default: 0, the variable is left as it is.",
                               valueName: "n"))
    var localGpus = 0

    @Option(parsing: .unconditional, help: "Attempts a job gets when it crashes, is killed or times out; a job that reports its own error fails at once.")
    var maxAttempts = 2

    @Option(parsing: .unconditional, help: ArgumentHelp("Stop using a host after this many different jobs crashed, were killed or timed out there in a row (0: never); errors a job reports itself do not count.",
                               valueName: "n"))
    var quarantineAfter = 3

    @Option(parsing: .unconditional, help: ArgumentHelp("Declare a host lost after this long without a heartbeat (workers send one every 2 s).",
                               valueName: "seconds"))
    var hostGrace: Double = 30

    @Option(parsing: .unconditional, help: ArgumentHelp("Kill a job that runs longer than this.", valueName: "seconds"))
    var timeout: Double?

    @Option(parsing: .unconditional, help: ArgumentHelp("Seconds a job ended by the spec's stop rule has between SIGTERM and SIGKILL.",
                                                        valueName: "seconds"))
    var stopGrace: Double = 10

    @Flag(help: "Print no progress line.")
    var quiet = false

    func validate() throws {
        if let localSlots, !(0...1024).contains(localSlots) { throw ValidationError("--local-slots must be a number of jobs from 0 to 1024, not \(localSlots)") }
        if !(0...HostFile.maxGPUs).contains(localGpus) { throw ValidationError("--local-gpus must be a number of GPUs from 0 to \(HostFile.maxGPUs), not \(localGpus)") }
        // Written so that NaN fails too: every comparison with NaN is false.
        guard hostGrace >= 5, hostGrace <= Self.longest else {
            throw ValidationError("--host-grace must be a number of seconds from 5 (workers send a heartbeat every 2 s) "
                + "to \(Int(Self.longest)), not \(hostGrace)")
        }
        if quarantineAfter < 0 { throw ValidationError("--quarantine-after must be 0 (never) or a positive number of jobs, not \(quarantineAfter)") }
        if maxAttempts < 1 { throw ValidationError("--max-attempts must be a positive number (at least 1), not \(maxAttempts)") }
        guard stopGrace >= 0, stopGrace <= 3600 else {
            throw ValidationError("--stop-grace must be a number of seconds from 0 to 3600, not \(stopGrace)")
        }
        if let timeout, !(timeout > 0 && timeout <= Self.longest) {
            throw ValidationError("--timeout must be a positive number of seconds up to \(Int(Self.longest)), not \(timeout)")
        }
    }

    /// The longest duration an option takes: 30 days, far below `Duration`'s range.
    static let longest: Double = 30 * 24 * 3600

    /// The SSH hosts to use besides the local worker.
    func hostFiles() throws -> [HostFile] {
        if let hosts { return try HostFile.load(hosts) }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: "Hosts", isDirectory: &isDirectory), isDirectory.boolValue else { return [] }
        return try HostFile.load("Hosts", allowEmpty: true)
    }

    var coordinatorOptions: Coordinator.Options {
        var options = Coordinator.Options()
        options.maxAttempts = maxAttempts
        options.timeout = timeout.map { .seconds($0) }
        options.quarantineAfter = quarantineAfter
        options.hostGrace = .seconds(hostGrace)
        options.stopGrace = .milliseconds(Int64((stopGrace * 1000).rounded()))
        return options
    }
}
