import SweepCore
import SweepTransport
import SweepWire

/// One kind of worker host (SSH, Slurm; a container runtime or Kubernetes next): everything
/// sweep knows of the kind, in one file of `HostKinds/`. A value of the kind holds its own
/// settings from the host file (`HostFile.kind`); the host file keeps what every kind shares
/// (name, slots, the SSH login when there is one).
///
/// Adding a kind: a type conforming here in a file of its own, listed in `HostKinds.all`,
/// and its `hosts add` options (an option group in `Sources/sweep/HostKinds/`, as only the
/// executable parses arguments).
public protocol HostKind: Sendable, Hashable {
    /// The kind's name: what `placement.kind` of an attempt run there says ("ssh", "slurm").
    static var name: String { get }
    /// The host-file fields of this kind alone, beyond `HostFile.commonKeys`.
    static var keys: [String] { get }
    /// The hosts of this kind in words, for a field given to a host of another kind
    /// ("only for a Slurm cluster (\"slurm\": true)").
    static var label: String { get }
    /// Whether its hosts must have `ssh` (false: the coordinator may run it from this machine).
    static var needsSSH: Bool { get }
    /// Whether the host file's fields are of this kind (`HostKinds.all` asks in order).
    static func claims(_ fields: [String: JSONValue]) -> Bool
    /// Why a field of another kind cannot be given to this one, when this kind knows better
    /// than the other kind's `label` (a Slurm cluster's `gpus`); nil for the label.
    static func refusal(of key: String) -> String?

    /// Reads this kind's fields of a host file (the common ones are read already).
    /// - Parameter fail: builds the error for a field and message (it names the file).
    init(fields: [String: JSONValue], fail: (String, String) -> HostFileError) throws(HostFileError)
    /// Writes this kind's fields into a host file's object.
    func write(to fields: inout [String: JSONValue])
    /// The names this host's workers have in the store and on the progress line.
    func storeNames(_ host: String) -> [String]

    /// The fields this kind adds to `hosts list --json` (every row has every kind's, null
    /// when not its own: `HostKinds.listFields`).
    static var listKeys: [String] { get }
    func listFields() -> [String: JSONValue]
    /// `hosts list`'s slots column.
    func slotsText(slots: Int) -> String
    /// `hosts list`'s state of a host not reached over SSH.
    static var stateHere: String { get }

    /// The launch preflight that `hosts add` and `hosts check` run: can this host ever run
    /// a worker? Throws what is wrong (`RemoteHost.explain` words SSH errors).
    func preflight(_ host: HostFile, binary: (path: String, hash: String), acceptNew: Bool) async throws -> HostPreflight
    /// The transports a launch runs this host's workers on.
    func transports(for host: HostFile, launch: HostLaunch) -> [any WorkerTransport]
    /// Where a worker of this kind runs, as its environment says (a Slurm job's id and node);
    /// nil when the environment is not of this kind, or the kind's transport knows it.
    static func placement(environment: [String: String]) -> Placement?
}

extension HostKind {
    public static func refusal(of key: String) -> String? { nil }
    public static func placement(environment: [String: String]) -> Placement? { nil }
    public static var listKeys: [String] { [] }
    public func listFields() -> [String: JSONValue] { [:] }

    /// Whether `other` is this kind with the same settings.
    func isEqual(to other: any HostKind) -> Bool { (other as? Self) == self }
}

/// What a host's preflight found, in the words `hosts add` and `hosts check` print.
public struct HostPreflight: Sendable {
    /// The host key `--accept-new` recorded, printed on a line of its own first.
    public var recordedHostKey: String?
    /// `hosts add`: what follows "added NAME: " (and precedes " -> FILE").
    public var added: String
    /// `hosts check`: what follows the host's name.
    public var checked: String
    /// What failed after the host key was recorded (`hosts check` still shows the key).
    public var failure: (any Error)?

    public init(recordedHostKey: String? = nil, added: String, checked: String, failure: (any Error)? = nil) {
        self.recordedHostKey = recordedHostKey
        self.added = added
        self.checked = checked
        self.failure = failure
    }
}

/// What every host's transports share in one launch.
public struct HostLaunch: Sendable {
    /// A token unique to this coordinator's run: a kind names what it starts with it (Slurm
    /// job names), so that it ends only its own.
    public var token: String
    /// This coordinator's executable and its SHA-256, shipped to hosts.
    public var binary: (path: String, hash: String)
    /// The files a job needs on its host (see `Workload.dataFiles(for:)`).
    public var dataFiles: @Sendable (RunRequest) -> [DataFile]

    public init(token: String, binary: (path: String, hash: String), dataFiles: @escaping @Sendable (RunRequest) -> [DataFile]) {
        self.token = token
        self.binary = binary
        self.dataFiles = dataFiles
    }
}

/// The closed set of host kinds.
public enum HostKinds {
    /// Every kind, in the order a host file is offered to them: the first that claims it
    /// reads it. SSH is last: a host file without another kind's marker is an SSH host.
    public static let all: [any HostKind.Type] = [SlurmSettings.self, SSHSettings.self]

    /// The kind whose host file this is.
    static func kind(of fields: [String: JSONValue]) -> any HostKind.Type {
        all.first { $0.claims(fields) } ?? SSHSettings.self
    }

    /// Every kind's own host-file fields, in `all`'s order of kinds, SSH's first.
    static var keys: [String] { all.reversed().flatMap { $0.keys } }

    /// The kind called `name`, if there is one.
    public static func named(_ name: String) -> (any HostKind.Type)? {
        all.first { $0.name == name }
    }

    /// Where a worker runs, as its environment says: the first kind that recognises it
    /// (`sweep worker` sends it with its `ready`).
    public static func placement(environment: [String: String]) -> Placement? {
        for kind in all { if let placement = kind.placement(environment: environment) { return placement } }
        return nil
    }

    /// `hosts list --json`'s kind fields of a host: its own, and null for every other
    /// kind's, so that every row has the same keys.
    public static func listFields(of host: HostFile) -> [String: JSONValue] {
        var fields: [String: JSONValue] = [:]
        for kind in all { for key in kind.listKeys { fields[key] = .null } }
        fields.merge(host.kind.listFields()) { $1 }
        return fields
    }
}
