import Foundation
import SweepCore
import SweepStore
import SweepTestSupport
import Testing

/// Sweeps over real OpenSSH servers on 127.0.0.1, each a "host" with its own keys.
@Suite(.serialized) struct RemoteSweepTests {
    /// Writes `Hosts/NAME.json` for a test sshd; nothing of the real ~/.ssh is used.
    func addHostFile(_ sandbox: SweepSandbox, name: String, sshd: TestSSHD, slots: Int = 2) throws {
        let hosts = sandbox.directory.appendingPathComponent("Hosts")
        try FileManager.default.createDirectory(at: hosts, withIntermediateDirectories: true)
        let json: JSONValue = [
            "name": .string(name), "ssh": .string("\(sshd.user)@127.0.0.1:\(sshd.port)"), "slots": .int(slots),
            "identity": .string(sshd.userKeyPath), "known_hosts": .string(sshd.knownHostsPath), "ssh_config": "/dev/null",
        ]
        try json.canonicalText.write(to: hosts.appendingPathComponent("\(name).json"), atomically: true, encoding: .utf8)
    }

    /// Remote workers are started by sshd, so they don't carry the sandbox's tag: find
    /// them as processes running the binary shipped into these test hosts' own homes
    /// (`TestSSHD(freshHome:)`), never another sweep's on this machine.
    func remoteWorkers(_ hosts: TestSSHD...) -> [Int32] {
        let caches = hosts.compactMap(\.home).map { $0 + "/.cache/sweep/bin/" }
        precondition(caches.count == hosts.count, "remote workers are found by their host's fresh home")
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe")) ?? ""
            return caches.contains { exe.hasPrefix($0) }
        }
    }

    func hostsOfJobs(_ sandbox: SweepSandbox, sweep: String) throws -> [String] {
        let store = try StoreReader(path: sandbox.database)
        return try store.jobs(of: try #require(try store.sweep(named: sweep)).id).compactMap(\.host)
    }

    @Test func aSweepRunsOnTwoSSHHostsAndLocallyShippingItsDataAndRecordingWhereEachJobRan() throws {
        let sandbox = try SweepSandbox()
        let a = try TestSSHD(freshHome: true), b = try TestSSHD(freshHome: true)
        defer { a.stop(); b.stop() }
        try addHostFile(sandbox, name: "alpha", sshd: a)
        try addHostFile(sandbox, name: "beta", sshd: b)
        // A data file the jobs need: the coordinator must copy it to each SSH host.
        let dataName = "data-\(UUID().uuidString).bin"
        let dataPath = sandbox.directory.appendingPathComponent(dataName).path
        let content = Data((0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7919) })
        try content.write(to: URL(fileURLWithPath: dataPath))
        let shipped = URL(fileURLWithPath: try #require(a.home)).appendingPathComponent(".cache/sweep/datasets/probe/\(dataName)")
        try sandbox.write("r.json", """
            {"name": "r", "workload": "probe", "base": {"epochs": 3, "sleep_ms": 150, "data_file": "\(dataPath)"},
             "grid": {"value": [1, 2, 3, 4, 5, 6, 7, 8]}, "seeds": 2}
            """)
        let run = try sandbox.run(["launch", "r.json", "--local-slots", "1"], timeout: 180)
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        try expectProbeSweepComplete(database: sandbox.database, sweep: "r", jobs: 16, epochs: 3)
        #expect(FileManager.default.contents(atPath: shipped.path) == content, "the data file was not shipped intact")
        let hosts = try hostsOfJobs(sandbox, sweep: "r")
        #expect(Set(hosts) == ["local", "alpha", "beta"], "\(hosts)")
        // Every attempt is recorded against the host that ran it.
        let store = try StoreReader(path: sandbox.database)
        for job in try store.jobs(of: try #require(try store.sweep(named: "r")).id) {
            #expect(try store.attempts(of: job.id).last?.host == job.host)
        }
        #expect(sandbox.waitForNoLeftovers().isEmpty)
        #expect(sandbox.waitUntil(timeout: 30) { remoteWorkers(a, b).isEmpty }, "remote workers left: \(remoteWorkers(a, b))")
    }

    @Test func stoppingOneSSHDMidSweepMovesItsJobsElsewhere() throws {
        let sandbox = try SweepSandbox()
        let a = try TestSSHD(freshHome: true), b = try TestSSHD(freshHome: true)
        defer { a.stop(); b.stop() }
        try addHostFile(sandbox, name: "alpha", sshd: a)
        try addHostFile(sandbox, name: "beta", sshd: b)
        try sandbox.write("s.json", """
            {"name": "s", "workload": "probe", "base": {"epochs": 4, "sleep_ms": 200}, "grid": {"value": [1, 2, 3, 4, 5, 6, 7, 8]}}
            """)
        let launch = try sandbox.start(["launch", "s.json", "--local-slots", "0"])
        let betaBusy = sandbox.waitUntil(timeout: 60) {
            guard let store = try? StoreReader(path: sandbox.database),
                  let sweep = try? store.sweep(named: "s"),
                  let running = try? store.jobs(of: sweep.id, states: [.running]) else { return false }
            return running.contains { $0.host == "beta" }
        }
        #expect(betaBusy)
        b.stop()
        launch.wait(timeout: 180)
        #expect(launch.status == 0, "\(launch.stdout)\n\(launch.stderr)")
        #expect(launch.stdout.contains("host beta lost") || launch.stderr.contains("host beta lost"))
        try expectProbeSweepComplete(database: sandbox.database, sweep: "s", jobs: 8, epochs: 4)
        let store = try StoreReader(path: sandbox.database)
        let lost = try store.jobs(of: try #require(try store.sweep(named: "s")).id)
            .flatMap { try store.attempts(of: $0.id) }.filter { $0.status == .lost }
        #expect(!lost.isEmpty && lost.allSatisfy { $0.host == "beta" })
        #expect(sandbox.waitUntil(timeout: 30) { remoteWorkers(a, b).isEmpty }, "remote workers left: \(remoteWorkers(a, b))")
    }

    /// The stop rule works on an SSH host as locally: the `stop` travels over the channel,
    /// the remote runner ends the job at its next epoch, and the job is `stopped` for good.
    /// Pausing, the best job is also promoted and run again there, twice, to its end.
    @Test(arguments: [false, true]) func ashaStopsJobsOnAnSSHHostAndResumeRerunsNone(pause: Bool) throws {
        let sandbox = try SweepSandbox()
        let a = try TestSSHD(freshHome: true)
        defer { a.stop() }
        try addHostFile(sandbox, name: "alpha", sshd: a, slots: 1)
        try sandbox.write("s.json", stoppingSpec(name: "s", stop: #"{"rule": "asha", "grace": 2, "reduction": 2, "pause": \#(pause)}"#))
        let launch = try sandbox.run(["launch", "s.json", "--local-slots", "0", "--stop-grace", "5"], timeout: 180)
        #expect(launch.status == 0, "\(launch.stdout)\n\(launch.stderr)")
        #expect(launch.stdout.contains("3 stopped early"), "\(launch.stdout)")
        try expectStoppedAndNotRerun(sandbox, sweep: "s", rule: "asha", hosts: ["alpha"]) {
            try sandbox.run(["resume", "s", "--local-slots", "0"], timeout: 120)
        }
        let store = try StoreReader(path: sandbox.database)
        let best = try store.jobs(of: try #require(try store.sweep(named: "s")).id).first { $0.config["value"]?.doubleValue == 0 }
        #expect(best?.attempts == (pause ? 3 : 1), "value 0 pauses at epochs 2 and 4 before the others reach them")
        #expect(sandbox.waitUntil(timeout: 30) { remoteWorkers(a).isEmpty }, "remote workers left: \(remoteWorkers(a))")
    }

    @Test func remoteWorkersDieWithTheirCoordinatorAndResumeFinishes() throws {
        let sandbox = try SweepSandbox()
        let a = try TestSSHD(freshHome: true)
        defer { a.stop() }
        try addHostFile(sandbox, name: "alpha", sshd: a, slots: 3)
        try sandbox.write("k.json", """
            {"name": "k", "workload": "probe", "base": {"epochs": 20, "sleep_ms": 100}, "grid": {"value": [1, 2, 3, 4, 5, 6]}}
            """)
        let launch = try sandbox.start(["launch", "k.json", "--local-slots", "0"])
        #expect(sandbox.waitUntil(timeout: 60) {
            guard let store = try? StoreReader(path: sandbox.database), let sweep = try? store.sweep(named: "k") else { return false }
            return (try? store.counts(of: sweep.id).running) == 3
        })
        #expect(!remoteWorkers(a).isEmpty)
        kill(launch.process.processIdentifier, SIGKILL)
        launch.wait(timeout: 10)
        // The TCP connection drops, sshd closes the channel, the worker sees end of input.
        #expect(sandbox.waitUntil(timeout: 30) { remoteWorkers(a).isEmpty }, "remote workers left: \(remoteWorkers(a))")
        let resume = try sandbox.run(["resume", "k", "--local-slots", "0"], timeout: 120)
        #expect(resume.status == 0, "\(resume.stdout)\n\(resume.stderr)")
        try expectProbeSweepComplete(database: sandbox.database, sweep: "k", jobs: 6, epochs: 20)
    }

    @Test func theHostKeepsTheThreeMostRecentlyUsedBinariesAndDropsIdleOlderOnes() throws {
        let sandbox = try SweepSandbox()
        let sshd = try TestSSHD(freshHome: true)
        defer { sshd.stop() }
        let cache = try BinaryCacheFolder(home: try #require(sshd.home))
        let old = (1...5).map { String(repeating: String($0), count: 64) }
        for (hash, minutes) in zip(old, [5.0, 15, 45, 300, 3000]) { try cache.add(hash, usedMinutesAgo: minutes) }

        let add = try sandbox.run([
            "hosts", "add", "box", "--ssh", "\(sshd.user)@127.0.0.1:\(sshd.port)",
            "--identity", sshd.userKeyPath, "--known-hosts", sshd.knownHostsPath, "--ssh-config", "/dev/null",
        ])
        #expect(add.status == 0, "\(add.stdout)\n\(add.stderr)")
        // The binary just shipped and the two used last stay; the one used 45 min ago is past
        // them but within the hour; those idle for hours are gone.
        let current = try Digest.sha256Hex(fileAtPath: SweepSandbox.binary.path)
        #expect(cache.folders == Set([current] + old.prefix(3)), "\(cache.folders)")
    }

    @Test func hostsAddChecksTheHostAndRefusesAnUnknownKeyUnlessAccepted() throws {
        let sandbox = try SweepSandbox()
        let sshd = try TestSSHD()
        defer { sshd.stop() }
        let emptyKnownHosts = sandbox.directory.appendingPathComponent("known_hosts").path
        _ = FileManager.default.createFile(atPath: emptyKnownHosts, contents: nil)
        let address = "\(sshd.user)@127.0.0.1:\(sshd.port)"
        let common = ["--ssh", address, "--identity", sshd.userKeyPath, "--known-hosts", emptyKnownHosts, "--ssh-config", "/dev/null"]

        let refused = try sandbox.run(["hosts", "add", "gamma"] + common)
        #expect(refused.status != 0)
        #expect(refused.stderr.contains(sshd.hostKeyFingerprint), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: sandbox.directory.appendingPathComponent("Hosts/gamma.json").path))

        let added = try sandbox.run(["hosts", "add", "gamma", "--slots", "3", "--accept-new"] + common)
        #expect(added.status == 0, "\(added.stderr)")
        #expect(added.stdout.contains("added gamma"))
        let list = try sandbox.run(["hosts", "list"])
        #expect(list.stdout.contains("gamma") && list.stdout.contains("up ("), "\(list.stdout)")
        let check = try sandbox.run(["hosts", "check", "gamma"])
        #expect(check.status == 0 && check.stdout.contains("cores"), "\(check.stdout)")

        let duplicate = try sandbox.run(["hosts", "add", "gamma"] + common)
        #expect(duplicate.status != 0 && duplicate.stderr.contains("already exists"))

        // A changed host key is refused loudly, even with --accept-new.
        try sshd.restartWithNewHostKey()
        let changed = try sandbox.run(["hosts", "check", "gamma"])
        #expect(changed.status != 0)
        #expect(changed.stdout.lowercased().contains("changed"), "\(changed.stdout)")

        #expect(try sandbox.run(["hosts", "remove", "gamma"]).status == 0)
        #expect(try sandbox.run(["hosts", "remove", "gamma"]).status != 0)
    }

    @Test func aHostThatAcceptsButNeverAnswersDoesNotHoldUpTheSweep() throws {
        let sandbox = try SweepSandbox()
        let silent = try SilentListener()
        defer { silent.stop() }
        let hosts = sandbox.directory.appendingPathComponent("Hosts")
        try FileManager.default.createDirectory(at: hosts, withIntermediateDirectories: true)
        try #"{"name": "mute", "ssh": "nobody@127.0.0.1:\#(silent.port)", "ssh_config": "/dev/null"}"#
            .write(to: hosts.appendingPathComponent("mute.json"), atomically: true, encoding: .utf8)
        try sandbox.write("m.json", #"{"name": "m", "workload": "probe", "grid": {"value": [1, 2, 3, 4]}}"#)
        // The run's limit is the hang guard (how soon is for benchmarks: a busy machine is slow).
        let run = try sandbox.run(["launch", "m.json", "--local-slots", "2"], timeout: 120)
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        #expect(silent.accepted > 0, "the coordinator never tried the silent host")
        try expectProbeSweepComplete(database: sandbox.database, sweep: "m", jobs: 4, epochs: 3)
        #expect(Set(try hostsOfJobs(sandbox, sweep: "m")) == ["local"])
    }

    @Test func twoHostFilesNamingTheSameHostAreRefused() throws {
        let sandbox = try SweepSandbox()
        let hosts = sandbox.directory.appendingPathComponent("Hosts")
        try FileManager.default.createDirectory(at: hosts, withIntermediateDirectories: true)
        for file in ["a.json", "b.json"] {
            try #"{"name": "twin", "ssh": "u@127.0.0.1:2222"}"#.write(to: hosts.appendingPathComponent(file), atomically: true, encoding: .utf8)
        }
        try sandbox.write("p.json", #"{"name": "p", "workload": "probe"}"#)
        let run = try sandbox.run(["launch", "p.json"])
        #expect(run.status != 0)
        #expect(run.stderr.contains(#"Hosts/b.json: name: host "twin" is also defined in Hosts/a.json"#), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: sandbox.database))
    }

    @Test func aBadHostFileIsRejectedBeforeAnythingIsWritten() throws {
        let sandbox = try SweepSandbox()
        let hosts = sandbox.directory.appendingPathComponent("Hosts")
        try FileManager.default.createDirectory(at: hosts, withIntermediateDirectories: true)
        try #"{"name": "x", "ssh": "a@b:99999"}"#.write(to: hosts.appendingPathComponent("x.json"), atomically: true, encoding: .utf8)
        try sandbox.write("p.json", #"{"name": "p", "workload": "probe"}"#)
        let run = try sandbox.run(["launch", "p.json"])
        #expect(run.status != 0)
        #expect(run.stderr.contains("Hosts/x.json: ssh: expected [user@]host[:port]"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: sandbox.database))
    }
}

/// A TCP port on 127.0.0.1 that accepts connections and never sends a byte.
final class SilentListener: @unchecked Sendable {
    // @unchecked: `connections` and `accepted` are only touched under `lock`.
    let port: Int
    private let fd: Int32
    private let lock = NSLock()
    private var connections: [Int32] = []
    private var count = 0

    init() throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let fd = fd
        let ok = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 && listen(fd, 16) == 0
            }
        }
        guard ok else { throw POSIXError(.EADDRNOTAVAIL) }
        port = Int(UInt16(bigEndian: address.sin_port))
        // The accept thread owns the descriptors and closes them when `stop` ends its accept:
        // closing the listener from another thread could hand its number to a socket of
        // another test before this thread's next accept.
        Thread.detachNewThread { [self] in
            while true {
                let client = accept(fd, nil, nil)
                lock.lock()
                defer { lock.unlock() }
                guard client >= 0 else {
                    for connection in connections { close(connection) }
                    close(fd)
                    return
                }
                connections.append(client)
                count += 1
            }
        }
    }

    var accepted: Int {
        lock.lock()
        defer { lock.unlock() }
        return count
    }

    /// Ends the accept thread, which then closes every connection and the listener.
    func stop() {
        shutdown(fd, Int32(SHUT_RDWR))
    }
}
