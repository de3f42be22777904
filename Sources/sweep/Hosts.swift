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

        @OptionGroup var slurmOptions: SlurmAddOptions

        @Option(help: "Jobs to run at once on the host.")
        var slots = 1

        @OptionGroup var sshOptions: SSHAddOptions

        @Option(help: ArgumentHelp("A private key to try after ssh-agent and the default identities.", valueName: "file"))
        var identity: String?

        @Option(help: ArgumentHelp("known_hosts file to use instead of ~/.ssh/known_hosts.", valueName: "file"))
        var knownHosts: String?

        @Option(help: ArgumentHelp("SSH config file to use instead of ~/.ssh/config.", valueName: "file"))
        var sshConfig: String?

        @Flag(help: "Record the host's key in known_hosts if it is not there yet (never replaces a changed key).")
        var acceptNew = false

        @OptionGroup var directory: HostsDirectory

        /// Each kind's options, in `HostKinds.all`'s order (SSH, the default, last).
        private var kindOptions: [any HostKindOptions] { [slurmOptions, sshOptions] }

        /// The options of the kind the command line asks for.
        private var chosen: any HostKindOptions { kindOptions.first { $0.chosen } ?? sshOptions }

        func validate() throws {
            guard HostFile.isValidName(name) else {
                throw ValidationError("host name \"\(name)\": use \(PlainName.rule) (\"local\" is the embedded worker)")
            }
            let kind = type(of: chosen).kind
            if let ssh {
                guard HostFile.parseAddress(ssh) != nil else {
                    throw ValidationError("--ssh \"\(ssh)\": expected [user@]host[:port]")
                }
            } else if kind.needsSSH {
                let others = kindOptions.compactMap { type(of: $0).withoutSSH }
                throw ValidationError("--ssh is required" + (others.isEmpty ? "" : " (or \(others.joined(separator: ", or ")))"))
            }
            guard (1...1024).contains(slots) else { throw ValidationError("--slots must be in 1...1024") }
            for options in kindOptions.reversed() { try options.check(for: kind.name) }
        }

        func run() async throws {
            let path = directory.file(name)
            if let existing = try directory.load().first(where: { $0.name == name }) {
                throw ValidationError("host \"\(name)\" already exists (\(existing.sshAddress)); remove it first: sweep hosts remove \(name)")
            }
            let address = ssh.flatMap(HostFile.parseAddress) ?? (nil, "", nil)
            let expand = { (path: String?) in path.map { ($0 as NSString).expandingTildeInPath } }
            let host = HostFile(name: name, address: address.host, user: address.user, port: address.port, slots: slots,
                                identity: expand(identity), knownHosts: expand(knownHosts), sshConfig: expand(sshConfig),
                                kind: try chosen.settings())
            let binary = try ShippedBinary.get()
            let acceptNew = acceptNew
            let preflight: HostPreflight
            do {
                preflight = try await host.kind.preflight(host, binary: binary, acceptNew: acceptNew)
                if let failure = preflight.failure { throw failure }
            } catch {
                let again = CommandLine.arguments.dropFirst().joined(separator: " ")
                throw HostCheckFailure(description: RemoteHost.explain(error, acceptNew: "sweep \(again) --accept-new"))
            }
            try FileManager.default.createDirectory(atPath: directory.hostsDir, withIntermediateDirectories: true)
            try host.json.write(toFile: path, atomically: true, encoding: .utf8)
            if let key = preflight.recordedHostKey { print("\(name): \(key)") }
            print("added \(name): \(preflight.added) -> \(path)")
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
                    let fields: [String: JSONValue] = [
                        "name": .string(row.host.name), "ssh": .string(row.host.sshAddress), "slots": .int(row.host.slots),
                        "state": .string(row.error == nil ? "up" : "unreachable"),
                        "latency_ms": row.latencyMS.map(JSONValue.int) ?? .null,
                        "binary": row.hasBinary.map { .string($0 ? "current" : "missing") } ?? .null,
                        "error": JSONOutput.text(row.error)]
                    return .object(fields.merging(HostKinds.listFields(of: row.host)) { old, _ in old })
                }).canonicalText)
                return
            }
            print(TextTable.render(headers: ["host", "ssh", "slots", "state", "binary"], rows: rows.map { row in
                let state = row.error.map { "unreachable: \($0)" } ?? row.latencyMS.map { "up (\($0) ms)" }
                    ?? type(of: row.host.kind).stateHere
                let binary = row.hasBinary.map { $0 ? "current" : "missing" } ?? "?"
                let slots = row.host.kind.slotsText(slots: row.host.slots)
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
                do {
                    let found = try await host.kind.preflight(host, binary: binary, acceptNew: acceptNew)
                    if let key = found.recordedHostKey { print("\(host.name): \(key)") }
                    if let failure = found.failure { throw failure }
                    print(host.name + found.checked)
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
