import Foundation
import SweepCore
import SweepTransport

/// How a host file's Slurm cluster runs its workers:
///
/// ```json
/// {"name": "hpc", "slurm": true, "ssh": "alice@login.hpc", "workers": 4, "slots": 8,
///  "slurm_args": ["--partition=cpu", "--time=04:00:00"], "pending_limit": 600, "shared_home": true}
/// ```
/// Each worker is one Slurm job (`srun --ntasks=1 --cpus-per-task=SLOTS ... sweep worker`),
/// known in the store as host `NAME.1` ... `NAME.N`.
public struct SlurmSettings: Sendable, Hashable {
    /// Workers (Slurm jobs) to keep running.
    public var workers: Int
    /// Extra `srun` options, one word each, checked by `checkArgument`.
    public var arguments: [String]
    /// Seconds a worker may wait in the queue before it is reported and given up.
    public var pendingLimit: Int
    /// Whether the compute nodes see the login node's home (the binary is shared through
    /// `~/.cache/sweep`); false ships it with `srun --bcast`.
    public var sharedHome: Bool

    public static let defaultPendingLimit = 600
    public static let maxArguments = 32

    public init(workers: Int, arguments: [String] = [], pendingLimit: Int = defaultPendingLimit, sharedHome: Bool = true) {
        self.workers = workers
        self.arguments = arguments
        self.pendingLimit = pendingLimit
        self.sharedHome = sharedHome
    }

    /// The `--time=` among the srun options, in seconds; nil when not given (the partition's
    /// default applies) or unlimited.
    public var timeLimit: Int? {
        guard let word = arguments.last(where: { $0.hasPrefix("--time=") }) else { return nil }
        return Self.seconds(slurmTime: String(word.dropFirst("--time=".count)))
    }

    /// A Slurm time (`minutes`, `minutes:seconds`, `hours:minutes:seconds`, `days-hours`,
    /// `days-hours:minutes`, `days-hours:minutes:seconds`) in seconds; nil for anything else
    /// (`UNLIMITED`, `INFINITE`, a typo, which srun itself refuses).
    static func seconds(slurmTime text: String) -> Int? {
        let dash = text.split(separator: "-", omittingEmptySubsequences: false)
        guard (1...2).contains(dash.count) else { return nil }
        let parts = dash.last!.split(separator: ":", omittingEmptySubsequences: false)
        let numbers = parts.map { Int($0) }
        guard (1...3).contains(parts.count), numbers.allSatisfy({ ($0 ?? -1) >= 0 && ($0 ?? 0) < 1_000_000 }) else { return nil }
        let values = numbers.map { $0! }
        if dash.count == 2 {
            guard let days = Int(dash[0]), days >= 0, days < 10_000 else { return nil }
            // days-hours[:minutes[:seconds]]
            let units = [3600, 60, 1]
            return days * 86_400 + zip(values, units).map { $0 * $1 }.reduce(0, +)
        }
        switch values.count {
        case 1: return values[0] * 60
        case 2: return values[0] * 60 + values[1]
        default: return values[0] * 3600 + values[1] * 60 + values[2]
        }
    }

    /// The names the workers have in the store and on the progress line.
    public func workerNames(_ host: String) -> [String] { (1...workers).map { "\(host).\($0)" } }

    /// The `srun` options sweep sets itself, or that would make srun run something else, read
    /// its input from elsewhere or mangle the worker's output (`--label`, `--output`).
    static let reserved: Set<String> = [
        "ntasks", "ntasks-per-node", "cpus-per-task", "job-name", "jobid", "bcast", "bcast-exclude", "multi-prog",
        "pty", "input", "output", "error", "label", "prolog", "epilog", "task-prolog", "task-epilog", "container",
        "container-id", "het-group", "export", "export-file", "get-user-env", "uid", "gid", "chdir", "help", "usage",
        "version", "test-only", "disable-status", "open-mode", "send-libs", "no-allocate", "wrap", "propagate",
    ]

    /// Checks one `srun` option: long form (`--name` or `--name=value`), not one sweep sets or
    /// one that runs or reads something else; nil when fine, else the problem.
    public static func checkArgument(_ word: String) -> String? {
        // First, and without echoing it: a control character (ESC ...) would reach the terminal.
        guard word.unicodeScalars.allSatisfy({ (0x21...0x7e).contains($0.value) && !"'\"\\".unicodeScalars.contains($0) }) else {
            let visible = String(word.unicodeScalars.prefix(40).map { (0x20...0x7e).contains($0.value) ? Character($0) : "?" })
            return "\"\(visible)\": only printable ASCII without quotes or backslashes"
        }
        guard word.count <= 256 else { return "\"\(word.prefix(40))…\" is longer than 256 characters" }
        guard word.hasPrefix("--"), word.count > 2 else {
            return "\"\(word)\": expected an srun option in its long form (--partition=gpu, not -p gpu); "
                + "sweep runs the worker itself, so no command or short option may follow"
        }
        let name = String(word.dropFirst(2).prefix { $0 != "=" })
        if reserved.contains(name) {
            return "\"\(word)\": --\(name) is set by sweep or would change what srun runs or how it talks to the worker"
        }
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }) else {
            return "\"\(word)\": not an srun option name"
        }
        return nil
    }

    /// Splits `--slurm-args` text into words at whitespace (no shell: no quotes, no
    /// variables) and checks each; throws the first problem.
    public static func splitArguments(_ text: String) throws(SlurmArgumentError) -> [String] {
        let words = text.split(whereSeparator: \.isWhitespace).map(String.init)
        guard words.count <= maxArguments else { throw SlurmArgumentError(message: "more than \(maxArguments) srun options") }
        for word in words { if let problem = checkArgument(word) { throw SlurmArgumentError(message: problem) } }
        return words
    }

    /// Reads the Slurm fields of a host file (one that has `slurm`).
    public init(fields: [String: JSONValue], fail: (String, String) -> HostFileError) throws(HostFileError) {
        guard fields["slurm"]?.boolValue == true else { throw fail("slurm", "expected true (or leave the field out)") }
        guard let workers = fields["workers"]?.intValue ?? (fields["workers"] == nil ? 1 : nil), (1...256).contains(workers) else {
            throw fail("workers", "expected an integer in 1...256")
        }
        var arguments: [String] = []
        if let value = fields["slurm_args"] {
            guard let items = value.arrayValue, items.count <= Self.maxArguments else {
                throw fail("slurm_args", "expected an array of at most \(Self.maxArguments) srun options, e.g. [\"--partition=gpu\"]")
            }
            for (index, item) in items.enumerated() {
                guard let word = item.stringValue else { throw fail("slurm_args[\(index)]", "expected a string") }
                if let problem = Self.checkArgument(word) { throw fail("slurm_args[\(index)]", problem) }
                arguments.append(word)
            }
        }
        let limit = fields["pending_limit"]
        guard let pendingLimit = limit?.intValue ?? (limit == nil ? Self.defaultPendingLimit : nil), (1...86_400).contains(pendingLimit)
        else { throw fail("pending_limit", "expected seconds in 1...86400") }
        let shared = fields["shared_home"]
        guard let sharedHome = shared?.boolValue ?? (shared == nil ? true : nil) else {
            throw fail("shared_home", "expected true or false")
        }
        self.init(workers: workers, arguments: arguments, pendingLimit: pendingLimit, sharedHome: sharedHome)
    }

    public func write(to fields: inout [String: JSONValue]) {
        fields["slurm"] = .bool(true)
        fields["workers"] = .int(workers)
        if !arguments.isEmpty { fields["slurm_args"] = .array(arguments.map(JSONValue.string)) }
        if pendingLimit != Self.defaultPendingLimit { fields["pending_limit"] = .int(pendingLimit) }
        if !sharedHome { fields["shared_home"] = .bool(false) }
    }
}

/// The Slurm host kind: a host file with `"slurm": true`.
extension SlurmSettings: HostKind {
    public static let name = "slurm"
    public static let keys = ["slurm", "workers", "slurm_args", "pending_limit", "shared_home"]
    public static let label = "a Slurm cluster (\"slurm\": true)"
    /// Without `ssh`, srun runs on this machine.
    public static let needsSSH = false
    public static let stateHere = "srun here"
    public static let listKeys = ["slurm_workers"]

    public static func claims(_ fields: [String: JSONValue]) -> Bool { fields["slurm"] != nil }

    public static func refusal(of key: String) -> String? {
        key == "gpus" ? "a Slurm cluster's GPUs are Slurm's to assign; ask for them with its srun arguments (--gres=gpu:N), not gpus" : nil
    }

    public func storeNames(_ host: String) -> [String] { workerNames(host) }

    public func listFields() -> [String: JSONValue] { ["slurm_workers": .int(workers)] }

    public func slotsText(slots: Int) -> String { "\(workers) x \(slots) (slurm)" }

    /// Without `ssh`: Slurm's clients are here; with it: the login node passes the SSH
    /// preflight. Then Slurm is asked whether it could ever run such a worker (`srun --test-only`).
    public func preflight(_ host: HostFile, binary: (path: String, hash: String), acceptNew: Bool) async throws -> HostPreflight {
        guard host.usesSSH else {
            // Nothing to log in to.
            let srun = try SlurmCheck.srunPath()
            let estimate = try SlurmCheck.testRequest(host)
            return HostPreflight(added: "Slurm through \(srun) here, \(workers) workers of \(host.slots) slots (srun --test-only: \(estimate))",
                                 checked: ": Slurm through \(srun) here, srun --test-only: \(estimate)")
        }
        let report = try await RemoteHost.check(host, binary: binary, acceptNew: acceptNew)
        // The login node works; would Slurm ever run the workers it asks for?
        let estimate: String
        do {
            estimate = try SlurmCheck.testRequest(host)
        } catch {
            return HostPreflight(recordedHostKey: report.recordedHostKey, added: "", checked: "", failure: error)
        }
        return HostPreflight(recordedHostKey: report.recordedHostKey,
                             added: report.added(slots: host.slots, " x \(workers) Slurm workers"),
                             checked: report.checked + ", srun --test-only: " + estimate)
    }

    /// A worker started by srun: its job (`SLURM_JOB_ID`) and node (`SLURMD_NODENAME`).
    public static func placement(environment: [String: String]) -> Placement? {
        guard let job = environment["SLURM_JOB_ID"], !job.isEmpty else { return nil }
        return Placement(kind: name, id: job, node: environment["SLURMD_NODENAME"])
    }

    public func transports(for host: HostFile, launch: HostLaunch) -> [any WorkerTransport] {
        SlurmTransport.workers(of: host, launch: launch.token, binary: launch.binary, dataFiles: launch.dataFiles)
    }
}

/// `--slurm-args` that cannot be used.
public struct SlurmArgumentError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// Whether Slurm's clients are on this machine.
public enum SlurmCheck {
    /// Where `srun` is on `PATH` (its `--version` would need the cluster's configuration,
    /// which a launch finds and `hosts add` need not).
    /// - Throws: `SlurmArgumentError` saying how to fix it when there is none.
    public static func srunPath() throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for folder in path.split(separator: ":") {
            let candidate = "\(folder)/srun"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw SlurmArgumentError(message:
            "no srun on PATH: install Slurm's clients (Debian: slurm-client), or give the login node with --ssh")
    }
}

extension SlurmCheck {
    /// Asks Slurm whether it could run one worker of `host` at all: `srun --test-only` with
    /// the worker's request (submits nothing), where the host's srun runs. Catches a bogus
    /// partition, account or constraint and a request larger than any node before a launch.
    /// - Returns: Slurm's estimate, e.g. "Job 3 to start at 2026-12-07T09:27:44 using 1
    ///   processors on nodes vm in partition debug".
    /// - Throws: `SlurmArgumentError` with srun's answer and what to change in the host file.
    public static func testRequest(_ host: HostFile) throws(SlurmArgumentError) -> String {
        let settings = host.slurm ?? SlurmSettings(workers: 1)
        let words = ["srun", "--test-only", "--ntasks=1", "--cpus-per-task=\(host.slots)", "--job-name=sweep-check-\(host.name)"]
            + settings.arguments + ["true"]
        guard let answer = SlurmTransport.slurmCommand(words, host: host) else {
            throw SlurmArgumentError(message: "cannot run srun" + (host.usesSSH ? " on \(host.sshAddress)" : "") + " to test the request")
        }
        let said = answer.output.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if answer.status == 0, let estimate = said.last(where: { $0.contains("to start at") }) {
            return estimate.hasPrefix("srun: ") ? String(estimate.dropFirst(6)) : estimate
        }
        let text = RemoteHost.printable(said.suffix(3).joined(separator: "; "))
        let fix: String
        if text.contains("Invalid partition") || text.contains("invalid partition") {
            fix = "choose a partition that sinfo lists (sinfo -s) in --partition"
        } else if text.contains("node configuration is not available") || text.contains("More processors requested") {
            fix = "no node of the partition has \(host.slots) CPUs (slots) and the memory asked: lower slots or choose another "
                + "partition (sinfo -o '%P %c %m')"
        } else if text.contains("configuration source") || text.contains("configuration file") || text.contains("controller") {
            fix = "srun" + (host.usesSSH ? " on \(host.sshAddress)" : " here") + " cannot reach the cluster: check that sinfo "
                + "works there (its slurm.conf or SLURM_CONF, and slurmctld)"
        } else if text.contains("feature") {
            fix = "no node has the requested features: fix --constraint (sinfo -o '%N %f')"
        } else {
            fix = "fix slurm_args (they are passed to srun as given)"
        }
        throw SlurmArgumentError(message: "Slurm cannot run a worker of \(host.name) (srun --test-only: \(text.isEmpty ? "no answer" : text)): \(fix)")
    }
}
