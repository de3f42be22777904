import ArgumentParser
import Dispatch
import Foundation
import SweepCore
import SweepRemote
import SweepViews
import Synchronization

extension Sweep {
    struct Hosts: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Manage the worker hosts jobs run on over SSH or through Slurm (Hosts/NAME.json).",
            discussion: """
                A host needs only an SSH login: the coordinator ships its own binary to \
                ~/.cache/sweep/bin/<hash>/sweep there. Authentication tries ssh-agent, the \
                default identities, then the host's identity file; ~/.ssh/config is honoured. \
                Host keys must be in known_hosts (--accept-new records a new host's key once). \
                A host file's own ssh_config is read by sweep and may not run commands \
                (ProxyCommand, LocalCommand, KnownHostsCommand, Match exec, ...). add and check run the launch preflight: \
                log in, architecture and CPU features, ship the binary, start it. A Slurm cluster \
                (--slurm) runs --workers Slurm jobs of --slots CPUs each, through srun on this \
                machine or, with --ssh, on the login node; add and check ask Slurm (srun --test-only) \
                whether it could ever run such a worker (a bogus partition, more CPUs than any node).
                """,
            subcommands: [Add.self, List.self, Check.self, Remove.self])
    }
}

/// Where the host files are.
struct HostsDirectory: ParsableArguments {
    @Option(help: ArgumentHelp("The host inventory directory.", valueName: "dir"))
    var hostsDir = "Hosts"

    func file(_ name: String) -> String { (hostsDir as NSString).appendingPathComponent(name + ".json") }

    func load() throws -> [HostFile] {
        FileManager.default.fileExists(atPath: hostsDir) ? try HostFile.load(hostsDir, allowEmpty: true) : []
    }
}

/// A host that failed its check, in words with the fix (see `RemoteHost.explain`).
struct HostCheckFailure: Error, CustomStringConvertible {
    var description: String
}

/// This binary and its SHA-256, computed once per process.
enum ShippedBinary {
    private static let cached = Mutex<(path: String, hash: String)?>(nil)

    static func get() throws -> (path: String, hash: String) {
        if let cached = cached.withLock({ $0 }) { return cached }
        let path = try SelfExecutable.path()
        let value = (path, try Digest.sha256Hex(fileAtPath: path))
        cached.withLock { $0 = value }
        return value
    }
}

extension Sweep.Hosts {
    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a host over SSH and add it to the inventory.")

        @Argument(help: ArgumentHelp("The host's name in sweep (letters, digits, - _ .).", valueName: "name"))
        var name: String

        @Option(help: ArgumentHelp("[user@]host[:port], or a ~/.ssh/config alias (with --slurm: the login node; "
                                   + "without it srun runs on this machine).", valueName: "address"))
        var ssh: String?

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

        @Option(help: "Jobs to run at once on the host.")
        var slots = 1

        @Option(help: "GPUs of the host: slot i's jobs get CUDA_VISIBLE_DEVICES=i mod n (0: the variable is left as the host sets it).")
        var gpus = 0

        @Option(help: ArgumentHelp("A private key to try after ssh-agent and the default identities.", valueName: "file"))
        var identity: String?

        @Option(help: ArgumentHelp("known_hosts file to use instead of ~/.ssh/known_hosts.", valueName: "file"))
        var knownHosts: String?

        @Option(help: ArgumentHelp("SSH config file to use instead of ~/.ssh/config.", valueName: "file"))
        var sshConfig: String?

        @Flag(help: "Record the host's key in known_hosts if it is not there yet (never replaces a changed key).")
        var acceptNew = false

        @OptionGroup var directory: HostsDirectory

        func validate() throws {
            guard HostFile.isValidName(name) else {
                throw ValidationError("host name \"\(name)\": use \(PlainName.rule) (\"local\" is the embedded worker)")
            }
            if let ssh {
                guard HostFile.parseAddress(ssh) != nil else {
                    throw ValidationError("--ssh \"\(ssh)\": expected [user@]host[:port]")
                }
            } else if !slurm {
                throw ValidationError("--ssh is required (or --slurm for a Slurm cluster reached from this machine)")
            }
            guard (1...1024).contains(slots) else { throw ValidationError("--slots must be in 1...1024") }
            guard (0...HostFile.maxGPUs).contains(gpus) else { throw ValidationError("--gpus must be in 0...\(HostFile.maxGPUs)") }
            guard gpus == 0 || !slurm else { throw ValidationError("--gpus is for SSH hosts; a Slurm cluster's GPUs are asked for with --slurm-args \"--gres=gpu:N\"") }
            guard slurm || (workers == 1 && slurmArgs == nil && pendingLimit == SlurmSettings.defaultPendingLimit && sharedHome)
            else { throw ValidationError("--workers, --slurm-args, --pending-limit and --no-shared-home need --slurm") }
            guard (1...256).contains(workers) else { throw ValidationError("--workers must be in 1...256") }
            guard (1...86_400).contains(pendingLimit) else { throw ValidationError("--pending-limit must be 1...86400 seconds") }
            do { _ = try SlurmSettings.splitArguments(slurmArgs ?? "") } catch { throw ValidationError("--slurm-args: \(error)") }
        }

        func run() async throws {
            let path = directory.file(name)
            if let existing = try directory.load().first(where: { $0.name == name }) {
                throw ValidationError("host \"\(name)\" already exists (\(existing.sshAddress)); remove it first: sweep hosts remove \(name)")
            }
            let address = ssh.flatMap(HostFile.parseAddress) ?? (nil, "", nil)
            let expand = { (path: String?) in path.map { ($0 as NSString).expandingTildeInPath } }
            let settings = slurm ? SlurmSettings(workers: workers, arguments: try SlurmSettings.splitArguments(slurmArgs ?? ""),
                                                 pendingLimit: pendingLimit, sharedHome: sharedHome) : nil
            let host = HostFile(name: name, address: address.host, user: address.user, port: address.port, slots: slots,
                                identity: expand(identity), knownHosts: expand(knownHosts), sshConfig: expand(sshConfig),
                                slurm: settings, gpus: gpus)
            if let settings, !host.usesSSH {
                // Nothing to log in to: check that Slurm's clients are here, then write the file.
                let srun = try SlurmCheck.srunPath()
                let estimate = try SlurmCheck.testRequest(host)
                try FileManager.default.createDirectory(atPath: directory.hostsDir, withIntermediateDirectories: true)
                try host.json.write(toFile: path, atomically: true, encoding: .utf8)
                print("added \(name): Slurm through \(srun) here, \(settings.workers) workers of \(slots) slots "
                    + "(srun --test-only: \(estimate)) -> \(path)")
                return
            }
            let binary = try ShippedBinary.get()
            let acceptNew = acceptNew
            let report: HostReport
            do {
                report = try await RemoteHost.check(host, binary: binary, acceptNew: acceptNew)
            } catch {
                let again = CommandLine.arguments.dropFirst().joined(separator: " ")
                throw HostCheckFailure(description: RemoteHost.explain(error, acceptNew: "sweep \(again) --accept-new"))
            }
            // The login node works; would Slurm ever run the workers it asks for?
            if settings != nil { _ = try SlurmCheck.testRequest(host) }
            try FileManager.default.createDirectory(atPath: directory.hostsDir, withIntermediateDirectories: true)
            try host.json.write(toFile: path, atomically: true, encoding: .utf8)
            if let key = report.recordedHostKey { print("\(name): \(key)") }
            print("added \(name): \(report.endpoint), \(report.system), \(report.cores) cores, \(slots) slots"
                + (gpus > 0 ? ", \(gpus) GPUs" : "")
                + (settings.map { " x \($0.workers) Slurm workers" } ?? "") + " "
                + "(binary \(report.hasBinary ? "present" : "shipped") and starts) -> \(path)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show each host with slots, reachability and binary status.")

        @OptionGroup var directory: HostsDirectory

        @Flag(help: "Print JSON: each host with its slots, state, latency and binary (see docs/reference.md, Output for programs).")
        var json = false

        /// One host as `list` found it: `error` says why it could not be reached.
        private struct Row: Sendable {
            var host: HostFile
            var latencyMS: Int?
            var hasBinary: Bool?
            var error: String?
        }

        func run() async throws {
            let hosts = try directory.load()
            guard !hosts.isEmpty else {
                if json { print(JSONValue.array([]).canonicalText); return }
                print("no hosts in \(directory.hostsDir)/ (only the local worker); add one: sweep hosts add NAME --ssh user@host")
                return
            }
            let binary = try ShippedBinary.get()
            let rows = await withTaskGroup(of: (Int, Row).self) { group in
                for (index, host) in hosts.enumerated() {
                    group.addTask {
                        guard host.usesSSH else { return (index, Row(host: host)) }
                        do {
                            let r = try await RemoteHost.check(host, binary: binary, preflight: false)
                            return (index, Row(host: host, latencyMS: Int(r.latencySeconds * 1000), hasBinary: r.hasBinary))
                        } catch {
                            return (index, Row(host: host, error: "\(error)"))
                        }
                    }
                }
                var rows: [(Int, Row)] = []
                for await row in group { rows.append(row) }
                return rows.sorted { $0.0 < $1.0 }.map(\.1)
            }
            if json {
                print(JSONValue.array(rows.map { row in
                    ["name": .string(row.host.name), "ssh": .string(row.host.sshAddress), "slots": .int(row.host.slots),
                     "state": .string(row.error == nil ? "up" : "unreachable"),
                     "slurm_workers": row.host.slurm.map { .int($0.workers) } ?? .null,
                     "latency_ms": row.latencyMS.map(JSONValue.int) ?? .null,
                     "binary": row.hasBinary.map { .string($0 ? "current" : "missing") } ?? .null,
                     "error": JSONOutput.text(row.error)]
                }).canonicalText)
                return
            }
            print(TextTable.render(headers: ["host", "ssh", "slots", "state", "binary"], rows: rows.map { row in
                let state = row.error.map { "unreachable: \($0)" } ?? row.latencyMS.map { "up (\($0) ms)" } ?? "srun here"
                let binary = row.hasBinary.map { $0 ? "current" : "missing" } ?? "?"
                let slots = row.host.slurm.map { "\($0.workers) x \(row.host.slots) (slurm)" } ?? "\(row.host.slots)"
                return [row.host.name, row.host.sshAddress, slots, state, binary]
            }))
        }
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Log in to hosts and report latency, OS/arch, cores and whether the remote binary matches.")

        @Argument(help: ArgumentHelp("Check only this host.", valueName: "name"))
        var name: String?

        @Flag(help: "Record a host's key in known_hosts if it is not there yet (never replaces a changed key).")
        var acceptNew = false

        @OptionGroup var directory: HostsDirectory

        func run() async throws {
            let hosts = try directory.load().filter { name == nil || $0.name == name }
            if let name, hosts.isEmpty { throw ValidationError("no host \"\(name)\" in \(directory.hostsDir)/") }
            let binary = try ShippedBinary.get()
            let acceptNew = acceptNew
            var failed = false
            for host in hosts {
                if !host.usesSSH {
                    do {
                        let srun = try SlurmCheck.srunPath()
                        print("\(host.name): Slurm through \(srun) here, srun --test-only: \(try SlurmCheck.testRequest(host))")
                    } catch {
                        failed = true
                        print("\(host.name): \(error)")
                    }
                    continue
                }
                do {
                    let r = try await RemoteHost.check(host, binary: binary, acceptNew: acceptNew)
                    if let key = r.recordedHostKey { print("\(host.name): \(key)") }
                    let slurm = host.slurm == nil ? "" : ", srun --test-only: " + (try SlurmCheck.testRequest(host))
                    print("\(host.name) \(r.endpoint): connect \(Int(r.connectSeconds * 1000)) ms, round trip "
                        + "\(Int(r.latencySeconds * 1000)) ms, \(r.system), \(r.cores) cores, binary "
                        + (r.hasBinary ? "matches" : "shipped") + " and starts" + slurm)
                } catch {
                    failed = true
                    print("\(host.name): " + RemoteHost.explain(error, acceptNew: "sweep hosts check \(host.name) --accept-new"))
                }
            }
            if failed { throw ExitCode.failure }
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a host from the inventory.")

        @Argument(help: ArgumentHelp("The host's name.", valueName: "name"))
        var name: String

        @OptionGroup var directory: HostsDirectory

        func validate() throws {
            do { _ = try PlainName(name) } catch { throw ValidationError("host name \(error)") }
        }

        func run() throws {
            let path = directory.file(name)
            guard FileManager.default.fileExists(atPath: path) else {
                throw ValidationError("no host \"\(name)\" in \(directory.hostsDir)/")
            }
            try FileManager.default.removeItem(atPath: path)
            print("removed \(name)")
        }
    }
}
