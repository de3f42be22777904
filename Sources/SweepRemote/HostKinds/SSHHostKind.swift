import SweepCore
import SweepTransport

/// A host reached over SSH, its worker started in an exec channel: the default kind (a
/// host file without another kind's marker).
///
/// ```json
/// {"name": "gpu1", "ssh": "alice@gpu1.lab:2222", "slots": 4, "gpus": 2}
/// ```
/// `gpus`: its jobs get `CUDA_VISIBLE_DEVICES`, one device per slot round-robin.
public struct SSHSettings: HostKind {
    /// GPUs of the host (0: none declared, `CUDA_VISIBLE_DEVICES` left as the host sets it).
    public var gpus: Int

    public init(gpus: Int = 0) {
        self.gpus = gpus
    }

    public static let name = "ssh"
    public static let keys = ["gpus"]
    public static let label = "an SSH host"
    public static let needsSSH = true
    public static let stateHere = "here"

    public static func claims(_ fields: [String: JSONValue]) -> Bool { true }

    public init(fields: [String: JSONValue], fail: (String, String) -> HostFileError) throws(HostFileError) {
        guard let gpus = fields["gpus"]?.intValue ?? (fields["gpus"] == nil ? 0 : nil), (0...HostFile.maxGPUs).contains(gpus) else {
            throw fail("gpus", "expected an integer in 0...\(HostFile.maxGPUs) (the host's GPUs)")
        }
        self.init(gpus: gpus)
    }

    public func write(to fields: inout [String: JSONValue]) {
        if gpus > 0 { fields["gpus"] = .int(gpus) }
    }

    public func storeNames(_ host: String) -> [String] { [host] }

    public func slotsText(slots: Int) -> String { "\(slots)" }

    /// Logs in and runs what a launch runs before starting the worker (`RemoteHost.check`).
    public func preflight(_ host: HostFile, binary: (path: String, hash: String), acceptNew: Bool) async throws -> HostPreflight {
        let report = try await RemoteHost.check(host, binary: binary, acceptNew: acceptNew)
        return HostPreflight(recordedHostKey: report.recordedHostKey,
                             added: report.added(slots: host.slots, gpus > 0 ? ", \(gpus) GPUs" : ""),
                             checked: report.checked)
    }

    public func transports(for host: HostFile, launch: HostLaunch) -> [any WorkerTransport] {
        [SSHTransport(host: host, binary: launch.binary, dataFiles: launch.dataFiles)]
    }
}

extension HostReport {
    /// `hosts add`'s words for a host it logged in to: "alice@gpu1:22, Linux x86_64, 8 cores,
    /// 4 slots, 2 GPUs (binary shipped and starts)"; `more` follows the slots.
    public func added(slots: Int, _ more: String) -> String {
        "\(endpoint), \(system), \(cores) cores, \(slots) slots\(more) (binary \(hasBinary ? "present" : "shipped") and starts)"
    }

    /// `hosts check`'s words after the host's name.
    public var checked: String {
        " \(endpoint): connect \(Int(connectSeconds * 1000)) ms, round trip \(Int(latencySeconds * 1000)) ms, \(system), "
            + "\(cores) cores, binary " + (hasBinary ? "matches" : "shipped") + " and starts"
    }
}
