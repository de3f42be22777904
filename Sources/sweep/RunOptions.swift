import ArgumentParser
import Foundation
import SweepCoordinator
import SweepRemote

/// Options of every command that runs jobs (launch, resume, retry).
struct RunOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Worker hosts: a directory of host files or one file. Default: Hosts/ if it has any.",
                               valueName: "dir-or-file"))
    var hosts: String?

    @Option(help: ArgumentHelp("Jobs to run at once on this machine (0: remote hosts only). Default: the number of cores.",
                               valueName: "n"))
    var localSlots: Int?

    @Option(help: "Attempts a job may fail before it stays failed.")
    var maxAttempts = 2

    @Option(help: ArgumentHelp("Stop using a host after this many different jobs crashed, were killed or timed out there in a row (0: never); errors a job reports itself do not count.",
                               valueName: "n"))
    var quarantineAfter = 3

    @Option(help: ArgumentHelp("Declare a host lost after this long without a heartbeat (workers send one every 2 s).",
                               valueName: "seconds"))
    var hostGrace: Double = 30

    @Option(help: ArgumentHelp("Kill a job that runs longer than this.", valueName: "seconds"))
    var timeout: Double?

    @Flag(help: "Print no progress line.")
    var quiet = false

    func validate() throws {
        if let localSlots, localSlots < 0 { throw ValidationError("--local-slots must be 0 or more") }
        if hostGrace < 5 { throw ValidationError("--host-grace must be at least 5 s (workers send a heartbeat every 2 s)") }
        if quarantineAfter < 0 { throw ValidationError("--quarantine-after must be 0 or more") }
        if maxAttempts < 1 { throw ValidationError("--max-attempts must be at least 1") }
        if let timeout, timeout <= 0 { throw ValidationError("--timeout must be a positive number of seconds") }
    }

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
        options.timeout = timeout
        options.quarantineAfter = quarantineAfter
        options.hostGrace = hostGrace
        return options
    }
}
