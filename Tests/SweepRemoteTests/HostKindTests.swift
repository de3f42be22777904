import Foundation
import SweepCore
import SweepTestSupport
import SweepTransport
import Testing

@testable import SweepRemote

/// The closed set of host kinds: each owns its fields, a host file is read by the kind it
/// names, another kind's field is refused naming the file, the field and the kind it needs,
/// and each kind makes its own transports.
@Suite struct HostKindTests {
    func write(_ folder: TemporaryFolder, _ name: String, _ text: String) throws -> String {
        let path = folder.file(name + ".json")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func kindsHaveDistinctNamesAndFieldsOfTheirOwn() {
        let names = HostKinds.all.map { $0.name }
        #expect(names == ["slurm", "ssh"])
        #expect(Set(names).count == names.count)
        let keys = HostKinds.all.flatMap { $0.keys }
        #expect(Set(keys).count == keys.count, "a field belongs to one kind: \(keys)")
        #expect(Set(keys).isDisjoint(with: HostFile.commonKeys))
        #expect(HostKinds.named("slurm").map(ObjectIdentifier.init) == ObjectIdentifier(SlurmSettings.self))
        #expect(HostKinds.named("kubernetes") == nil)
    }

    @Test(arguments: [
        (#"{"name": "c", "ssh": "h"}"#, "ssh"),
        (#"{"name": "c", "ssh": "h", "gpus": 1}"#, "ssh"),
        (#"{"name": "c", "slurm": true}"#, "slurm"),
        (#"{"name": "c", "slurm": true, "ssh": "login"}"#, "slurm"),
    ])
    func aHostFileIsReadByTheKindItNames(text: String, kind: String) throws {
        let folder = try TemporaryFolder("sweep-host-kinds")
        let host = try HostFile(contentsOf: try write(folder, "c", text))
        #expect(type(of: host.kind).name == kind)
        #expect(try HostFile(contentsOf: try write(folder, "again", host.json)) == host, "the file round-trips: \(host.json)")
    }

    @Test(arguments: [
        (#"{"name": "c", "ssh": "h", "workers": 2}"#, #"c.json: workers: only for a Slurm cluster ("slurm": true)"#),
        (#"{"name": "c", "ssh": "h", "shared_home": false}"#, #"c.json: shared_home: only for a Slurm cluster ("slurm": true)"#),
        (#"{"name": "c", "slurm": true, "gpus": 1}"#, "c.json: gpus: a Slurm cluster's GPUs are Slurm's to assign"),
        (#"{"name": "c", "ssh": "h", "kubernetes": {}}"#, "c.json: kubernetes: unknown field; expected one of name, ssh, slots,"),
        (#"{"name": "c"}"#, "c.json: ssh: expected [user@]host[:port]"),
    ])
    func anotherKindsFieldIsRefusedNamingFileFieldAndKind(text: String, expected: String) throws {
        let folder = try TemporaryFolder("sweep-host-kinds")
        let path = try write(folder, "c", text)
        let error = #expect(throws: HostFileError.self) { try HostFile(contentsOf: path) }
        #expect(error?.description.hasPrefix(folder.path + "/" + expected) == true, "\(String(describing: error))")
    }

    @Test func workerNamesOfOneKindCollideWithHostsOfAnother() throws {
        let folder = try TemporaryFolder("sweep-host-kinds")
        _ = try write(folder, "a", #"{"name": "c", "slurm": true, "workers": 2}"#)
        _ = try write(folder, "b", #"{"name": "c.2", "ssh": "h"}"#)
        let error = #expect(throws: HostFileError.self) { try HostFile.load(folder.path) }
        #expect(error?.description == folder.file("b.json") + #": name: host "c.2" is also defined in "# + folder.file("a.json"))
    }

    @Test func eachKindSaysItsListFieldsAndSlots() throws {
        let folder = try TemporaryFolder("sweep-host-kinds")
        let ssh = try HostFile(contentsOf: try write(folder, "s", #"{"name": "s", "ssh": "h", "slots": 4}"#))
        let slurm = try HostFile(contentsOf: try write(folder, "c", #"{"name": "c", "slurm": true, "workers": 3, "slots": 2}"#))
        #expect(HostKinds.listFields(of: ssh) == ["slurm_workers": .null])
        #expect(HostKinds.listFields(of: slurm) == ["slurm_workers": .int(3)])
        #expect(ssh.kind.slotsText(slots: ssh.slots) == "4")
        #expect(slurm.kind.slotsText(slots: slurm.slots) == "3 x 2 (slurm)")
        #expect(type(of: slurm.kind).stateHere == "srun here")
    }

    @Test func eachKindMakesItsOwnTransports() throws {
        let folder = try TemporaryFolder("sweep-host-kinds")
        let launch = HostLaunch(token: "t0k3n", binary: (path: "/bin/true", hash: "0"), dataFiles: { _ in [] })
        let ssh = try HostFile(contentsOf: try write(folder, "s", #"{"name": "s", "ssh": "h", "slots": 4}"#))
        let sshTransports = ssh.kind.transports(for: ssh, launch: launch)
        #expect(sshTransports.map(\.hostName) == ["s"] && sshTransports.first is SSHTransport)
        let slurm = try HostFile(contentsOf: try write(folder, "c", #"{"name": "c", "slurm": true, "workers": 3}"#))
        let workers = slurm.kind.transports(for: slurm, launch: launch)
        #expect(workers.map(\.hostName) == ["c.1", "c.2", "c.3"])
        #expect(workers.compactMap { ($0 as? SlurmTransport)?.jobName } == ["sweep-t0k3n-c.1", "sweep-t0k3n-c.2", "sweep-t0k3n-c.3"])
    }
}
