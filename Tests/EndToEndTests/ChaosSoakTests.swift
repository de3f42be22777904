import Foundation
import SweepCore
import SweepStore
import SweepTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A chaos soak with a ledger: short `command` jobs, each appending its key to a ledger file,
/// run across the local worker, two SSH hosts (loopback sshd fixtures) and a 3-node Slurm
/// cluster while a nemesis injects faults, one kind after another, with real processes and
/// real kills. At the end every job must be done exactly once in the store (one ok attempt),
/// every key be in the ledger at least once, and nothing be left: no process, no Slurm job,
/// no job folder.
///
/// The short version (`SWEEP_SOAK_JOBS` unset: 300 jobs, about a minute) runs in `swift test`;
/// `make soak` runs the long one (`SWEEP_SOAK_JOBS=3000`, minutes, and a fault-free run first
/// for throughput) and writes its figures to `$SWEEP_SOAK_REPORT`.
@Suite(.serialized, .enabled(if: TestSlurm.isInstalled && getuid() == 0, "needs Slurm (slurmd slurmctld slurm-client munge) and root (tmpfs)"))
struct ChaosSoakTests {
    static let jobs = ProcessInfo.processInfo.environment["SWEEP_SOAK_JOBS"].flatMap(Int.init) ?? 300
    static var long: Bool { jobs > 1000 }

    /// The faults, injected in turn.
    enum Fault: String, CaseIterable {
        case cutLink = "cut an SSH host's link (SIGSTOP its sshd connections)"
        case killSSHD = "kill an SSH host's sshd and connections"
        case killSlurmd = "kill -9 a slurmd and its steps"
        case killCoordinator = "kill -9 the coordinator"
        case killRunner = "kill -9 a job runner"
        case killWorker = "kill -9 a worker"
        case fillDisk = "fill the store's disk (tmpfs)"
    }

    /// The fleet, the ledger and the sandbox one soak runs in.
    final class Fleet {
        let sandbox: SweepSandbox
        let slurm: TestSlurm
        let ssh: [TestSSHD]
        let ledger: String
        /// The jobs' `$TMPDIR` (every worker's, SSH and Slurm ones included): must end empty.
        let temporary: String
        /// A small tmpfs holding the store, filled and freed by the nemesis.
        let disk: String
        var database: String { disk + "/sweep.sqlite" }

        init() throws {
            sandbox = try SweepSandbox()
            temporary = sandbox.directory.appendingPathComponent("tmp").path
            disk = sandbox.directory.appendingPathComponent("disk").path
            ledger = sandbox.directory.appendingPathComponent("ledger.txt").path
            for folder in [temporary, disk, sandbox.directory.appendingPathComponent("hosts").path] { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
            try TestSSHD.runTool("/bin/mount", ["-t", "tmpfs", "-o", "size=48m", "sweep-soak", disk])
            var started: (slurm: TestSlurm?, ssh: [TestSSHD]) = (nil, [])
            do {
                let slurm = try TestSlurm(nodes: 3)
                started.slurm = slurm
                // Sessions see the sandbox's tag (leftovers are found by it) and the shared $TMPDIR.
                let environment = slurm.environment.merging(["SWEEP_TEST_TAG": sandbox.tag, "TMPDIR": temporary]) { $1 }
                for _ in 0..<2 { started.ssh.append(try TestSSHD(freshHome: true, environment: environment)) }
                for (index, sshd) in started.ssh.enumerated() {
                    let json: JSONValue = [
                        "name": .string("s\(index + 1)"), "ssh": .string("\(sshd.user)@127.0.0.1:\(sshd.port)"), "slots": 2,
                        "identity": .string(sshd.userKeyPath), "known_hosts": .string(sshd.knownHostsPath), "ssh_config": "/dev/null",
                    ]
                    try sandbox.write("hosts/s\(index + 1).json", json.canonicalText)
                }
                try sandbox.write("hosts/c.json", #"{"name": "c", "slurm": true, "workers": 2, "slots": 1}"#)
            } catch {
                for sshd in started.ssh { sshd.stop() }
                started.slurm?.stop()
                _ = try? TestSSHD.runTool("/bin/umount", ["-l", disk])
                throw error
            }
            slurm = started.slurm!
            ssh = started.ssh
        }

        /// Writes spec `name`: `jobs` seeds of a command that appends "KEY ATTEMPT" to the ledger;
        /// `phase` (the name) keeps its jobs' keys apart from another spec's.
        func writeSpec(_ name: String, jobs: Int) throws {
            let spec: JSONValue = [
                "name": .string(name), "workload": "command", "seeds": .int(jobs),
                "base": ["phase": .string(name), "command": .array(["/bin/sh", "-c", .string(#"printf '%s %s\n' "$SWEEP_JOB" "$SWEEP_ATTEMPT" >> "$0"; sleep 0.5"#),
                                            .string(ledger)])],
            ]
            try sandbox.write("\(name).json", spec.canonicalText)
        }

        func arguments(_ command: [String]) -> [String] {
            command + ["--hosts", "hosts", "--local-slots", "2", "--max-attempts", "20", "--quarantine-after", "0",
                       "--host-grace", "6", "--db", database, "--quiet"]
        }

        func start(_ command: [String]) throws -> Run {
            try sandbox.start(arguments(command), environment: slurm.environment.merging(["TMPDIR": temporary]) { $1 })
        }

        func stop() {
            for sshd in ssh { sshd.stop() }
            slurm.stop()
            _ = try? TestSSHD.runTool("/bin/umount", ["-l", disk])
        }
    }

    /// The pids of this sandbox's processes whose command line has `word` as a word.
    static func processes(tag: String, word: String) -> [pid_t] {
        let marker = Array("SWEEP_TEST_TAG=\(tag)\0".utf8)
        return ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { entry in
            guard let pid = pid_t(entry), pid != getpid(),
                  let environ = FileManager.default.contents(atPath: "/proc/\(entry)/environ"),
                  [UInt8](environ).firstRange(of: marker) != nil,
                  let line = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline") else { return nil }
            let words = line.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            return words.dropFirst().first == word ? pid : nil
        }
    }

    /// Whether a leftover process is sweep's: a sweep binary (coordinator, worker, runner),
    /// srun, or a job's program (its command line names the ledger). The account's own shell
    /// start-up under sshd (bash reads ~/.bashrc there, which may run anything) is not.
    static func isSweeps(_ pid: pid_t, ledger: String) -> Bool {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe")) ?? ""
        let line = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline").map { String(decoding: $0, as: UTF8.self) } ?? ""
        return exe.hasSuffix("/sweep") || exe.hasSuffix("/sweep (deleted)") || exe.hasSuffix("/srun") || line.contains(ledger)
    }

    /// A leftover process for a failure's message: its command line, parent and state, and
    /// what slurmctld logged of the Slurm job it asked for.
    static func describe(_ pid: pid_t, slurm: TestSlurm) -> String {
        let line = (try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8))?.replacingOccurrences(of: "\0", with: " ") ?? ""
        let status = ((try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? "").split(separator: "\n")
            .filter { $0.hasPrefix("State") || $0.hasPrefix("PPid") }.joined(separator: ", ")
        let log = (try? String(contentsOfFile: slurm.directory.appendingPathComponent("slurmctld.log").path, encoding: .utf8)) ?? ""
        let name = line.split(separator: " ").first { $0.hasPrefix("--job-name=") }.map { String($0.dropFirst("--job-name=".count)) }
        var ids: Set<String> = []
        for entry in log.split(separator: "\n") where name.map({ entry.contains($0) }) ?? false {
            if let range = entry.range(of: "JobId=") { ids.insert(String(entry[range.upperBound...].prefix { $0.isNumber })) }
        }
        let lines = log.split(separator: "\n").filter { entry in ids.contains { entry.contains("JobId=\($0) ") || entry.hasSuffix("JobId=\($0)") } }
        return "\(pid) \(line) [\(status)] jobs \(ids.sorted()): " + lines.suffix(12).joined(separator: " | ")
    }

    /// What the soak measured.
    struct Figures {
        var jobs = 0
        var faults: [Fault: Int] = [:]
        var coordinatorRuns = 0
        var seconds = 0.0
        var ledgerLines = 0
        var ledgerDuplicates = 0
        var okAttempts = 0
        var attempts: [String: Int] = [:]
        var diskFullExits = 0

        var text: String {
            let faultText = Fault.allCases.map { "\($0): \(faults[$0] ?? 0)" }.joined(separator: "; ")
            let attemptText = attempts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            return "jobs \(jobs), wall \(String(format: "%.1f", seconds)) s, \(String(format: "%.1f", Double(jobs) / seconds)) jobs/s; "
                + "coordinator runs \(coordinatorRuns) (of which ended by a full disk: \(diskFullExits)); faults: \(faultText); "
                + "attempts: \(attemptText); store ok attempts \(okAttempts); ledger lines \(ledgerLines), "
                + "ledger duplicates \(ledgerDuplicates)"
        }
    }

    /// Runs sweep `name` to the end, resuming the coordinator whenever it exits (killed, or
    /// on a full disk) and, with `nemesis`, injecting a fault every 1.5 to 3.5 s until every
    /// job is done.
    func runToTheEnd(_ fleet: Fleet, name: String, jobs: Int, nemesis: Bool) throws -> Figures {
        var figures = Figures()
        figures.jobs = jobs
        let began = Date()
        var run = try fleet.start(["launch", "\(name).json"])
        figures.coordinatorRuns = 1
        var next = Date().addingTimeInterval(2)
        var turn = 0
        // Faults still to heal, with when.
        var heals: [(due: Date, heal: () throws -> Void)] = []
        let deadline = Date().addingTimeInterval(Self.long ? 3000 : 400)
        while Date() < deadline {
            if !run.process.isRunning {
                if run.status == 0, try done(fleet, name: name) == jobs { break }
                // Nothing left to run (a job failed for good): resuming would change nothing.
                if try unfinished(fleet, name: name) == 0 { break }
                if run.stderr.contains("full") { figures.diskFullExits += 1 }
                // Not in a tight loop while the disk is full.
                usleep(500_000)
                run = try fleet.start(["resume", name])
                figures.coordinatorRuns += 1
            }
            let now = Date()
            for item in heals where item.due <= now { try item.heal() }
            heals.removeAll { $0.due <= now }
            if nemesis, now >= next {
                let fault = Fault.allCases[turn % Fault.allCases.count]
                // Counted, and the next kind's turn, only when injected (there may be no runner to
                // kill just now: tried again next time), so every kind comes within 7 injections.
                if let injected = try inject(fault, fleet: fleet, run: run) {
                    turn += 1
                    figures.faults[fault, default: 0] += 1
                    if let heal = injected.heal { heals.append((now.addingTimeInterval(injected.after), heal)) }
                }
                next = now.addingTimeInterval(Double.random(in: 1.5...3.5))
            }
            usleep(100_000)
        }
        for item in heals { try item.heal() }
        run.wait(timeout: 60)
        figures.seconds = Date().timeIntervalSince(began)
        return figures
    }

    /// Jobs of sweep `name` done, from the store (0 while it cannot be read).
    func done(_ fleet: Fleet, name: String) throws -> Int {
        guard let store = try? StoreReader(path: fleet.database), let sweep = try store.sweep(named: name) else { return 0 }
        return try store.jobs(of: sweep.id).filter { $0.state == .done }.count
    }

    /// Jobs of sweep `name` pending or running, from the store (-1 while it cannot be read).
    func unfinished(_ fleet: Fleet, name: String) throws -> Int {
        guard let store = try? StoreReader(path: fleet.database), let sweep = try store.sweep(named: name) else { return -1 }
        return try store.jobs(of: sweep.id).filter { $0.state == .pending || $0.state == .running }.count
    }

    /// Injects one fault; nil when there was nothing to hit (no runner running, say), else
    /// what heals it and after how many seconds (nil: nothing to heal).
    func inject(_ fault: Fault, fleet: Fleet, run: Run) throws -> (heal: (() throws -> Void)?, after: Double)? {
        switch fault {
        case .cutLink:
            // Longer than the host grace (6 s) half of the time: lost, or a link that comes back.
            guard let sshd = fleet.ssh.shuffled().first(where: { $0.freezeConnections(true) > 0 }) else { return nil }
            return ({ sshd.freezeConnections(false) }, Double.random(in: 3...9))
        case .killSSHD:
            let sshd = fleet.ssh.randomElement()!
            sshd.crash()
            return ({ try sshd.startAgain() }, Double.random(in: 1...4))
        case .killSlurmd:
            let node = fleet.slurm.nodes.randomElement()!
            fleet.slurm.crashNode(node)
            return ({ try fleet.slurm.bringBack(node, waitUntilIdle: false) }, Double.random(in: 2...12))
        case .killCoordinator:
            guard run.process.isRunning else { return nil }
            kill(run.process.processIdentifier, SIGKILL)
            return (nil, 0)
        case .killRunner, .killWorker:
            let victims = Self.processes(tag: fleet.sandbox.tag, word: fault == .killRunner ? "job" : "worker")
            guard let victim = victims.randomElement() else { return nil }
            kill(victim, SIGKILL)
            return (nil, 0)
        case .fillDisk:
            let filler = fleet.disk + "/filler"
            let fd = open(filler, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            guard fd >= 0 else { return nil }
            let block = [UInt8](repeating: 0, count: 1 << 20)
            while block.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) > 0 {}
            close(fd)
            return ({ try? FileManager.default.removeItem(atPath: filler) }, Double.random(in: 1...3))
        }
    }

    @Test(.timeLimit(.minutes(60)))
    func everyJobIsDoneExactlyOnceThroughAStormOfFaults() throws {
        let fleet = try Fleet()
        defer { fleet.stop() }
        var baseline: Figures?
        if Self.long {
            // The same fleet without faults, for throughput.
            try fleet.writeSpec("calm", jobs: Self.jobs / 3)
            baseline = try runToTheEnd(fleet, name: "calm", jobs: Self.jobs / 3, nemesis: false)
            try FileManager.default.removeItem(atPath: fleet.ledger)
        }
        try fleet.writeSpec("storm", jobs: Self.jobs)
        var figures = try runToTheEnd(fleet, name: "storm", jobs: Self.jobs, nemesis: true)

        // Every job done exactly once in the store: one ok attempt each.
        let store = try StoreReader(path: fleet.database)
        let sweep = try #require(try store.sweep(named: "storm"))
        let jobs = try store.jobs(of: sweep.id)
        #expect(jobs.count == Self.jobs)
        #expect(jobs.allSatisfy { $0.state == .done }, "\(jobs.filter { $0.state != .done }.map { ($0.id, $0.state, $0.error) }.prefix(10))")
        var okTwice: [Int64] = []
        for job in jobs {
            let attempts = try store.attempts(of: job.id)
            for attempt in attempts { figures.attempts[attempt.status.rawValue, default: 0] += 1 }
            let ok = attempts.filter { $0.status == .ok }.count
            figures.okAttempts += ok
            if ok != 1 { okTwice.append(job.id) }
        }
        #expect(okTwice.isEmpty, "jobs without exactly one ok attempt: \(okTwice.prefix(20))")
        // Every key in the ledger at least once, and nothing else in it.
        let lines = try String(contentsOfFile: fleet.ledger, encoding: .utf8).split(separator: "\n")
        let keys = Set(jobs.map(\.key))
        var seen: [Substring: Int] = [:]
        var strange: [Substring] = []
        for line in lines {
            let key = line.split(separator: " ").first ?? ""
            if keys.contains(String(key)) { seen[key, default: 0] += 1 } else { strange.append(line) }
        }
        #expect(seen.count == keys.count, "\(keys.count - seen.count) keys never ran")
        #expect(strange.isEmpty, "lines of no job: \(strange.prefix(5))")
        figures.ledgerLines = lines.count
        figures.ledgerDuplicates = lines.count - seen.count
        // Nothing left: no process, no Slurm job, no job folder.
        var leftovers: [pid_t] = []
        #expect(fleet.sandbox.waitUntil(timeout: 60) {
            leftovers = fleet.sandbox.leftoverProcesses().filter { Self.isSweeps($0, ledger: fleet.ledger) }
            return leftovers.isEmpty
        })
        #expect(leftovers.isEmpty, "\(leftovers.map { Self.describe($0, slurm: fleet.slurm) })")
        #expect(fleet.slurm.waitForEmptyQueue(timeout: 30),
                "\((try? fleet.slurm.run("squeue", ["-o", "%i %j %T %r %N"])) ?? "") \((try? fleet.slurm.nodeStates()) ?? [:])")
        var folders: [String] = []
        #expect(fleet.sandbox.waitUntil(timeout: 30) {
            folders = (try? FileManager.default.contentsOfDirectory(atPath: fleet.temporary)) ?? []
            return folders.isEmpty
        }, "left in $TMPDIR: \(folders.prefix(10))")
        #expect(try store.integrityCheck() == "ok")
        // The nemesis did its work: each kind of fault at least once.
        #expect(Fault.allCases.allSatisfy { (figures.faults[$0] ?? 0) > 0 }, "\(figures.faults)")

        var report = "storm: " + figures.text
        if let baseline {
            report += "\ncalm: " + baseline.text + String(format: "\nthroughput under faults: %.0f%% of the fault-free run",
                                                           100 * (Double(figures.jobs) / figures.seconds) / (Double(baseline.jobs) / baseline.seconds))
        }
        print(report)
        if let path = ProcessInfo.processInfo.environment["SWEEP_SOAK_REPORT"] {
            try report.write(toFile: path, atomically: true, encoding: .utf8)
        }
    }
}
