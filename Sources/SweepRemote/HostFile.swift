import Foundation
import SweepCore

/// One worker host, as kept in `Hosts/NAME.json`.
///
/// ```json
/// {"name": "gpu1", "ssh": "alice@gpu1.lab:2222", "slots": 4, "identity": "~/.ssh/id_ed25519"}
/// ```
/// `ssh` may be a `~/.ssh/config` alias; `known_hosts` and `ssh_config` override the files
/// SSH reads (useful for test hosts and shared lab accounts). The other fields are its
/// kind's (`HostKinds/`): an SSH host's `gpus`, a Slurm cluster's `"slurm": true` and the
/// rest of `SlurmSettings`; a Slurm cluster has `ssh` only when the coordinator reaches its
/// login node over SSH.
public struct HostFile: Sendable, Hashable {
    public var name: String
    /// The host as `ssh` would take it, without user and port; empty for a Slurm cluster
    /// whose login node is this machine.
    public var address: String
    public var user: String?
    public var port: Int?
    public var slots: Int
    public var identity: String?
    public var knownHosts: String?
    public var sshConfig: String?
    /// The host's kind and its settings: how its workers are started.
    public var kind: any HostKind

    /// The most GPUs a host may declare.
    public static let maxGPUs = 64

    public init(name: String, address: String, user: String? = nil, port: Int? = nil, slots: Int,
                identity: String? = nil, knownHosts: String? = nil, sshConfig: String? = nil,
                kind: any HostKind = SSHSettings()) {
        self.name = name
        self.address = address
        self.user = user
        self.port = port
        self.slots = slots
        self.identity = identity
        self.knownHosts = knownHosts
        self.sshConfig = sshConfig
        self.kind = kind
    }

    /// A Slurm cluster's settings; nil for another kind.
    public var slurm: SlurmSettings? { kind as? SlurmSettings }

    /// An SSH host's GPUs; 0 for another kind.
    public var gpus: Int { (kind as? SSHSettings)?.gpus ?? 0 }

    /// The fields every kind's host file may have.
    static let commonKeys = ["name", "ssh", "slots", "identity", "known_hosts", "ssh_config"]
    static var keys: [String] { commonKeys + HostKinds.keys }

    public static func == (a: HostFile, b: HostFile) -> Bool {
        a.name == b.name && a.address == b.address && a.user == b.user && a.port == b.port && a.slots == b.slots
            && a.identity == b.identity && a.knownHosts == b.knownHosts && a.sshConfig == b.sshConfig && a.kind.isEqual(to: b.kind)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(address)
        hasher.combine(kind)
    }

    /// Whether the coordinator reaches this host over SSH (false: a Slurm cluster whose
    /// login node is this machine).
    public var usesSSH: Bool { !address.isEmpty }

    /// `[user@]host[:port]` as written in the file.
    public var sshAddress: String {
        guard usesSSH else { return "" }
        return (user.map { $0 + "@" } ?? "") + (address.contains(":") ? "[\(address)]" : address) + (port.map { ":\($0)" } ?? "")
    }

    /// Parses `[user@]host[:port]` (an IPv6 address in brackets); nil when malformed.
    public static func parseAddress(_ text: String) -> (user: String?, host: String, port: Int?)? {
        var rest = Substring(text)
        var user: String?
        if let at = rest.lastIndex(of: "@") {
            user = String(rest[..<at])
            rest = rest[rest.index(after: at)...]
            if user!.isEmpty { return nil }
        }
        var host: Substring
        var portText: Substring?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { return nil }
            host = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { return nil }
                portText = after.dropFirst()
            }
        } else if let colon = rest.lastIndex(of: ":") {
            host = rest[..<colon]
            portText = rest[rest.index(after: colon)...]
        } else {
            host = rest
        }
        // The host may end up on a proxy command line (%h): plain characters only, as OpenSSH requires.
        guard !host.isEmpty, !host.hasPrefix("-"), host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || ".-_:%".contains($0)) }),
              user.map({ !$0.hasPrefix("-") && $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || ".-_".contains($0)) } }) ?? true
        else { return nil }
        var port: Int?
        if let portText {
            guard let p = Int(portText), (1...65535).contains(p) else { return nil }
            port = p
        }
        return (user, String(host), port)
    }

    /// Reads and validates a host file; errors name the file and the field.
    public init(contentsOf path: String) throws {
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
        guard size <= 64 * 1024 else { throw HostFileError(file: path, message: "larger than 64 KiB; a host file is a few lines") }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw HostFileError(file: path, message: "cannot read the file")
        }
        let root: JSONValue
        do {
            root = try JSONParser.parse(text)
        } catch {
            throw HostFileError(file: path, message: "invalid JSON at \(error.location): \(error.message)")
        }
        guard case .object(let fields) = root else { throw HostFileError(file: path, message: "expected an object") }
        func fail(_ field: String, _ message: String) -> HostFileError {
            HostFileError(file: path, message: "\(field): \(message)")
        }
        for key in fields.keys.sorted() where !HostFile.keys.contains(key) {
            throw fail(key, "unknown field; expected one of " + HostFile.keys.joined(separator: ", "))
        }
        guard let name = fields["name"]?.stringValue, HostFile.isValidName(name) else {
            throw fail("name", "expected a host name of \(PlainName.rule) (not \"local\")")
        }
        let kindType = HostKinds.kind(of: fields)
        // Another kind's field is refused: in this kind's words when it has them, else the other's.
        for other in HostKinds.all where ObjectIdentifier(other) != ObjectIdentifier(kindType) {
            for key in other.keys where fields[key] != nil {
                throw fail(key, kindType.refusal(of: key) ?? "only for \(other.label)")
            }
        }
        let kind = try kindType.init(fields: fields, fail: fail)
        var address: (user: String?, host: String, port: Int?) = (nil, "", nil)
        if fields["ssh"] != nil || kindType.needsSSH {
            guard let ssh = fields["ssh"]?.stringValue, let parsed = HostFile.parseAddress(ssh) else {
                throw fail("ssh", "expected [user@]host[:port] of letters, digits, '.', '-', '_', e.g. \"alice@gpu1.lab:22\" or a ~/.ssh/config alias")
            }
            address = parsed
        }
        guard let slots = fields["slots"]?.intValue ?? (fields["slots"] == nil ? 1 : nil), (1...1024).contains(slots) else {
            throw fail("slots", "expected an integer in 1...1024")
        }
        func optionalPath(_ key: String) throws -> String? {
            guard let value = fields[key] else { return nil }
            guard let text = value.stringValue, !text.isEmpty else { throw fail(key, "expected a file path") }
            return (text as NSString).expandingTildeInPath
        }
        self.init(name: name, address: address.host, user: address.user, port: address.port, slots: slots,
                  identity: try optionalPath("identity"), knownHosts: try optionalPath("known_hosts"),
                  sshConfig: try optionalPath("ssh_config"), kind: kind)
    }

    /// A plain name (`PlainName`); "local" is the embedded worker.
    public static func isValidName(_ name: String) -> Bool {
        name != "local" && PlainName.isValid(name)
    }

    /// The file's JSON text.
    public var json: String {
        var fields: [String: JSONValue] = ["name": .string(name), "slots": .int(slots)]
        if usesSSH { fields["ssh"] = .string(sshAddress) }
        kind.write(to: &fields)
        if let identity { fields["identity"] = .string(identity) }
        if let knownHosts { fields["known_hosts"] = .string(knownHosts) }
        if let sshConfig { fields["ssh_config"] = .string(sshConfig) }
        return JSONValue.object(fields).canonicalText + "\n"
    }

    /// Every host file of `path`: a directory's `*.json` files, or one file.
    /// - Parameter allowEmpty: whether a directory without host files is fine (the default
    ///   `Hosts/`) or an error (a folder the user named).
    /// - Throws: `HostFileError` for a bad file, two files naming the same host, or an empty
    ///   directory unless `allowEmpty`.
    public static func load(_ path: String, allowEmpty: Bool = false) throws -> [HostFile] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw HostFileError(file: path, message: "no such file or directory")
        }
        let files = isDirectory.boolValue
            ? try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".json") }.sorted()
                .map { (path as NSString).appendingPathComponent($0) }
            : [path]
        if files.isEmpty && !allowEmpty {
            throw HostFileError(file: path, message: "the folder is empty (no *.json host files); add one with sweep hosts add NAME --ssh user@host --hosts-dir \(path)")
        }
        guard files.count <= 1024 else { throw HostFileError(file: path, message: "more than 1024 host files") }
        var hosts: [HostFile] = []
        var seen: [String: String] = [:]
        for file in files {
            let host = try HostFile(contentsOf: file)
            // A kind may give its workers names of their own (a Slurm cluster's NAME.1, NAME.2, ...).
            for name in [host.name] + host.kind.storeNames(host.name).filter({ $0 != host.name }) {
                if let other = seen[name] {
                    throw HostFileError(file: file, message: "name: host \"\(name)\" is also defined in \(other)")
                }
                seen[name] = file
            }
            hosts.append(host)
        }
        return hosts
    }
}

/// A host file that cannot be used.
public struct HostFileError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var message: String

    public var description: String { "\(file): \(message)" }
}
