import Foundation
import SweepCore
import SweepStore
import SweepTestSupport
import Testing

/// Sweeps through a real single-node Slurm cluster (`TestSlurm`: munged, slurmctld, slurmd in a
/// temp folder): workers are Slurm jobs started by srun; faults are real `scancel`s, Ctrl-C
/// and `sweep cancel`; after each, Slurm's queue must be empty.
@Suite(.serialized, .enabled(if: TestSlurm.isInstalled, "Slurm is not installed (apt-get install slurmd slurmctld slurm-client munge)"))
struct SlurmSweepTests {
    /// A sandbox with a probe spec and a Slurm host file `c.json` (`workers` x 1 slot).
    func setUp(jobs: Int, epochs: Int, sleepMS: Int, workers: Int = 2, extra: String = "") throws -> SweepSandbox {
        let sandbox = try SweepSandbox()
        try sandbox.write("p.json", """
            {"name": "p", "workload": "probe", "base": {"epochs": \(epochs), "sleep_ms": \(sleepMS)}, "seeds": \(jobs)}
            """)
        try sandbox.write("c.json", #"{"name": "c", "slurm": true, "workers": \#(workers), "slots": 1\#(extra)}"#)
        return sandbox
    }

    /// The queue, for a failure's message.
    func queued(_ slurm: TestSlurm) -> Comment { "\((try? slurm.queue().map { "\($0.id) \($0.name) \($0.state)" }) ?? [])" }

    /// `sweep ARGS` to completion, talking to `slurm`.
    func run(_ sandbox: SweepSandbox, _ arguments: [String], _ slurm: TestSlurm) throws -> Run {
        let run = try sandbox.start(arguments, environment: slurm.environment)
        run.wait(timeout: 120)
        return run
    }

    func store(_ sandbox: SweepSandbox) throws -> StoreReader { try StoreReader(path: sandbox.database) }

    func counts(_ sandbox: SweepSandbox) -> StateCounts? {
        guard let store = try? store(sandbox), let info = try? store.sweep(named: "p") else { return nil }
        return try? store.counts(of: info.id)
    }

    func attempts(_ sandbox: SweepSandbox) throws -> [StoredAttempt] {
        let store = try store(sandbox)
        return try store.jobs(of: try #require(try store.sweep(named: "p")).id).flatMap { try store.attempts(of: $0.id) }
    }

    @Test func hostsAddSlurmWritesTheHostFileAndRefusesOptionsThatRunSomethingElse() throws {
        let sandbox = try SweepSandbox()
        // Without a cluster srun --test-only cannot answer: nothing is written. (An empty
        // slurm.conf fails at once; a missing one makes srun retry for a minute.)
        try sandbox.write("empty.conf", "")
        let offline = try sandbox.start(["hosts", "add", "c", "--slurm"],
                                        environment: ["SLURM_CONF": sandbox.directory.appendingPathComponent("empty.conf").path])
        offline.wait(timeout: 120)
        #expect(offline.status == 1 && offline.stderr.contains("cannot reach the cluster: check that sinfo works"),
                "\(offline.stderr)")
        #expect(!FileManager.default.fileExists(atPath: sandbox.directory.appendingPathComponent("Hosts/c.json").path))
        let slurm = try TestSlurm()
        defer { slurm.stop() }
        let add = try run(sandbox, ["hosts", "add", "c", "--slurm", "--workers", "3", "--slots", "2",
                                    "--slurm-args", "--partition=debug  --time=01:00:00", "--pending-limit", "30"], slurm)
        #expect(add.status == 0, "\(add.stdout)\n\(add.stderr)")
        #expect(add.stdout.contains("3 workers of 2 slots"), "\(add.stdout)")
        let text = try String(contentsOf: sandbox.directory.appendingPathComponent("Hosts/c.json"), encoding: .utf8)
        #expect(text == #"{"name":"c","pending_limit":30,"slots":2,"slurm":true,"slurm_args":["--partition=debug","--time=01:00:00"],"workers":3}"# + "\n")
        for bad in [["--slurm-args", "--hold /bin/sh"], ["--slurm-args", "--task-prolog=/tmp/x"], ["--workers", "0"]] {
            let refused = try sandbox.run(["hosts", "add", "d", "--slurm"] + bad)
            #expect(refused.status == 64, "\(bad): \(refused.stderr)")
            #expect(!FileManager.default.fileExists(atPath: sandbox.directory.appendingPathComponent("Hosts/d.json").path))
        }
        let noSSH = try sandbox.run(["hosts", "add", "e", "--workers", "2"])
        #expect(noSSH.status == 64 && noSSH.stderr.contains("--ssh is required"), "\(noSSH.stderr)")
    }

    @Test func aProbeSweepRunsThroughTwoSlurmWorkersAndLeavesNoJob() throws {
        let slurm = try TestSlurm()
        defer { slurm.stop() }
        let sandbox = try setUp(jobs: 30, epochs: 2, sleepMS: 0)
        let launch = try sandbox.start(["launch", "p.json", "--hosts", "c.json", "--local-slots", "0"], environment: slurm.environment)
        launch.wait(timeout: 120)
        #expect(launch.status == 0, "\(launch.stdout)\n\(launch.stderr)")
        try expectProbeSweepComplete(database: sandbox.database, sweep: "p", jobs: 30, epochs: 2)
        let attempts = try attempts(sandbox)
        // Every attempt ran on a Slurm worker and records the node Slurm put it on.
        #expect(Set(attempts.map(\.host)).isSubset(of: ["c.1", "c.2"]))
        #expect(attempts.allSatisfy { $0.machine?.node == slurm.nodeName }, "\(attempts.map { $0.machine?.node })")
        let hosts = try store(sandbox).hosts()
        #expect(hosts.map(\.name) == ["c.1", "c.2"])
        #expect(hosts.allSatisfy { $0.placement?.kind == "slurm" && $0.placement?.id.map { Int($0) != nil } ?? false }, "\(hosts)")
        // Each attempt's placement is its worker's Slurm job: kind slurm, a job id, the node.
        #expect(attempts.allSatisfy { $0.machine?.placement?.kind == "slurm" && $0.machine?.placement?.id.map { Int($0) != nil } == true },
                "\(attempts.map { $0.machine?.placement })")
        let status = try sandbox.run(["status", "p", "--brief"])
        #expect(status.stdout.contains("slurm job"), "\(status.stdout)")
        #expect(slurm.waitForEmptyQueue(timeout: 10), queued(slurm))
        #expect(sandbox.waitForNoLeftovers().isEmpty)
    }

    /// The median rule stops jobs on a Slurm worker: the runner under srun gets the SIGTERM,
    /// the job is `stopped` with its reason, resume runs nothing again, the queue ends empty.
    @Test func theMedianRuleStopsJobsOnASlurmWorkerAndResumeRerunsNone() throws {
        let slurm = try TestSlurm()
        defer { slurm.stop() }
        let sandbox = try setUp(jobs: 1, epochs: 1, sleepMS: 0, workers: 1)
        try sandbox.write("s.json", stoppingSpec(name: "s", stop: #"{"rule": "median", "grace": 2, "min_jobs": 1}"#))
        let launch = try run(sandbox, ["launch", "s.json", "--hosts", "c.json", "--local-slots", "0", "--stop-grace", "5"], slurm)
        #expect(launch.status == 0, "\(launch.stdout)\n\(launch.stderr)")
        try expectStoppedAndNotRerun(sandbox, sweep: "s", rule: "median", hosts: ["c.1"]) {
            try run(sandbox, ["resume", "s", "--hosts", "c.json", "--local-slots", "0"], slurm)
        }
        #expect(slurm.waitForEmptyQueue(timeout: 10), queued(slurm))
        #expect(sandbox.waitForNoLeftovers().isEmpty)
    }

    @Test func aScancelledWorkerLosesNothingAndIsReplaced() throws {
        let slurm = try TestSlurm()
        defer { slurm.stop() }
        let sandbox = try setUp(jobs: 24, epochs: 3, sleepMS: 60)
        let launch = try sandbox.start(["launch", "p.json", "--hosts", "c.json", "--local-slots", "0"], environment: slurm.environment)
        var victim: String?
        #expect(sandbox.waitUntil(timeout: 60) {
            victim = try? slurm.queue().first { $0.name.hasSuffix("-c.1") && $0.state == "RUNNING" }?.id
            return victim != nil && (counts(sandbox)?.done ?? 0) >= 2 && (counts(sandbox)?.running ?? 0) > 0
        })
        try slurm.run("scancel", [try #require(victim)])
        launch.wait(timeout: 180)
        #expect(launch.status == 0, "\(launch.stdout)\n\(launch.stderr)")
        #expect(launch.stderr.contains("reconnecting host c.1"), "\(launch.stderr)")
        try expectProbeSweepComplete(database: sandbox.database, sweep: "p", jobs: 24, epochs: 3)
        let attempts = try attempts(sandbox)
        #expect(attempts.contains { $0.status == .lost && $0.host == "c.1" }, "\(attempts.map { ($0.host, $0.status) })")
        // The replacement is a new Slurm job.
        let replaced = try store(sandbox).hosts().first { $0.name == "c.1" }
        #expect(replaced?.placement?.id != victim, "\(String(describing: replaced))")
        #expect(slurm.waitForEmptyQueue(timeout: 10), queued(slurm))
        #expect(sandbox.waitForNoLeftovers().isEmpty)
    }

    /// Ctrl-C twice (SIGINT to the coordinator) or `sweep cancel` twice from another terminal:
    /// the running jobs are cancelled and so are both workers' Slurm jobs.
    @Test(arguments: ["SIGINT", "sweep cancel"])
    func interruptingTwiceLeavesNoSlurmJob(how: String) throws {
        let slurm = try TestSlurm()
        defer { slurm.stop() }
        let sandbox = try setUp(jobs: 20, epochs: 50, sleepMS: 100)
        let launch = try sandbox.start(["launch", "p.json", "--hosts", "c.json", "--local-slots", "0"], environment: slurm.environment)
        #expect(sandbox.waitUntil(timeout: 60) { (counts(sandbox)?.running ?? 0) == 2 })
        #expect(try slurm.queue().count == 2)
        for _ in 0..<2 {
            if how == "SIGINT" {
                kill(launch.process.processIdentifier, SIGINT)
            } else {
                #expect(try sandbox.run(["cancel", "p"]).status == 0)
            }
            usleep(300_000)
        }
        launch.wait(timeout: 60)
        #expect(launch.status == 130, "\(launch.stdout)\n\(launch.stderr)")
        #expect((counts(sandbox)?.done ?? 20) < 20)
        #expect(slurm.waitForEmptyQueue(timeout: 10), queued(slurm))
        #expect(sandbox.waitForNoLeftovers().isEmpty)
    }

    @Test func aWorkerPendingPastItsLimitIsReportedAndGivenUp() throws {
        let slurm = try TestSlurm()
        defer { slurm.stop() }
        // Held jobs never start; the local worker runs the sweep meanwhile.
        let sandbox = try setUp(jobs: 8, epochs: 2, sleepMS: 500, workers: 1,
                                extra: #", "slurm_args": ["--hold"], "pending_limit": 4"#)
        let launch = try sandbox.start(["launch", "p.json", "--hosts", "c.json", "--local-slots", "1"], environment: slurm.environment)
        // While it waits, status shows the worker pending with its Slurm job id.
        var pending: StoredHost?
        #expect(sandbox.waitUntil(timeout: 30) {
            pending = try? store(sandbox).hosts().first { $0.name == "c.1" && $0.state == .pending }
            return pending != nil
        })
        let id = try #require(pending?.placement?.id)
        #expect(try slurm.queue().contains { $0.id == id && $0.state == "PENDING" })
        let status = try sandbox.run(["status", "p", "--json"])
        #expect(status.stdout.contains(#""placement":{"id":"\#(id)","kind":"slurm","node":null}"#), "\(status.stdout)")
        #expect(status.stdout.contains(#""state":"pending""#), "\(status.stdout)")
        launch.wait(timeout: 120)
        #expect(launch.status == 0, "\(launch.stdout)\n\(launch.stderr)")
        #expect(launch.stdout.contains("host c.1 unusable: Slurm job \(id) did not start within pending_limit (4 s)"),
                "\(launch.stdout)\n\(launch.stderr)")
        #expect(try store(sandbox).hosts().first { $0.name == "c.1" }?.state == .unusable)
        try expectProbeSweepComplete(database: sandbox.database, sweep: "p", jobs: 8, epochs: 2)
        #expect(slurm.waitForEmptyQueue(timeout: 10), queued(slurm))
        #expect(sandbox.waitForNoLeftovers().isEmpty)
    }

    @Test func aRequestSlurmRefusesIsReportedOnceAndNotRetried() throws {
        let slurm = try TestSlurm()
        defer { slurm.stop() }
        let sandbox = try setUp(jobs: 4, epochs: 2, sleepMS: 0, workers: 1, extra: #", "slurm_args": ["--partition=nope"]"#)
        let launch = try sandbox.start(["launch", "p.json", "--hosts", "c.json", "--local-slots", "1"], environment: slurm.environment)
        launch.wait(timeout: 60)
        #expect(launch.status == 0, "\(launch.stdout)\n\(launch.stderr)")
        #expect(launch.stdout.contains("host c.1 unusable") && launch.stdout.contains("Invalid partition name specified"),
                "\(launch.stdout)")
        #expect(!launch.stderr.contains("reconnecting host c.1"), "\(launch.stderr)")
        try expectProbeSweepComplete(database: sandbox.database, sweep: "p", jobs: 4, epochs: 2)
        #expect(slurm.waitForEmptyQueue(timeout: 10), queued(slurm))
    }

    /// After a coordinator's kill -9 its Slurm workers are gone with it: status says the
    /// hosts are interrupted, not "up (slurm job 3 running ...)".
    @Test func afterACoordinatorKillStatusShowsItsHostsInterrupted() throws {
        let slurm = try TestSlurm()
        defer { slurm.stop() }
        let sandbox = try setUp(jobs: 6, epochs: 50, sleepMS: 100, workers: 1)
        let launch = try sandbox.start(["launch", "p.json", "--hosts", "c.json", "--local-slots", "0"], environment: slurm.environment)
        #expect(sandbox.waitUntil(timeout: 60) { (counts(sandbox)?.running ?? 0) == 1 })
        let running = try run(sandbox, ["status", "p", "--brief"], slurm)
        #expect(running.stdout.contains("host c.1: up (slurm job"), "\(running.stdout)")
        kill(launch.process.processIdentifier, SIGKILL)
        launch.wait(timeout: 30)
        let status = try run(sandbox, ["status", "p", "--brief"], slurm)
        #expect(status.stdout.contains("host c.1: interrupted (no coordinator running; was up) (slurm job"), "\(status.stdout)")
        let json = try run(sandbox, ["status", "p", "--brief", "--json"], slurm)
        #expect(json.stdout.contains(#""state":"interrupted""#) && !json.stdout.contains(#""state":"up""#), "\(json.stdout)")
        #expect(slurm.waitForEmptyQueue(timeout: 30), queued(slurm))
        #expect(sandbox.waitForNoLeftovers().isEmpty)
    }

    /// A coordinator killed (kill -9) while its worker waits in the queue: nobody is left to
    /// scancel it, and srun reads no input while it waits; it gets SIGTERM as the coordinator
    /// dies (`setpriv --pdeathsig`) and withdraws the job. Nothing is left.
    @Test func aCoordinatorKilledWhileItsWorkerIsQueuedLeavesNoSrunAndNoJob() throws {
        let slurm = try TestSlurm()
        defer { slurm.stop() }
        try slurm.drain(slurm.nodeName)
        let sandbox = try setUp(jobs: 2, epochs: 2, sleepMS: 100, workers: 1)
        let launch = try sandbox.start(["launch", "p.json", "--hosts", "c.json", "--local-slots", "0"], environment: slurm.environment)
        #expect(sandbox.waitUntil(timeout: 60) { (try? slurm.queue())?.contains { $0.state == "PENDING" } == true }, queued(slurm))
        kill(launch.process.processIdentifier, SIGKILL)
        launch.wait(timeout: 30)
        #expect(slurm.waitForEmptyQueue(timeout: 30), queued(slurm))
        #expect(sandbox.waitForNoLeftovers().isEmpty)
    }

    /// Slurm's shortest `--time` is a minute (the fixture's OverTimeLimit is 0, and slurmctld
    /// ends the job within about 70 s). With `--max-attempts 1` the one attempt fails the job,
    /// which was re-queued forever; that further attempts stop at `--max-attempts` across
    /// reconnections is HostHealthTests' (a second minute here would show nothing more).
    @Test(.timeLimit(.minutes(4)))
    func aJobLongerThanTheWorkersTimeLimitIsCountedAsAFailureNotALostHost() throws {
        let slurm = try TestSlurm()
        defer { slurm.stop() }
        let sandbox = try setUp(jobs: 1, epochs: 600, sleepMS: 1000, workers: 1, extra: #", "slurm_args": ["--time=1"]"#)
        let launch = try sandbox.start(["launch", "p.json", "--hosts", "c.json", "--local-slots", "0", "--max-attempts", "1"],
                                       environment: slurm.environment)
        launch.wait(timeout: 200)
        #expect(launch.status == 1, "\(launch.stdout)\n\(launch.stderr)")
        let attempts = try attempts(sandbox)
        #expect(attempts.map(\.status) == [.failed], "counted, not lost: \(attempts.map { ($0.status, $0.error) })")
        #expect(counts(sandbox)?.failed == 1)
        let error = try #require(attempts.last?.error)
        // Both durations: what the job ran and the worker's limit.
        // It ran about the minute, less the worker's start: 00:5x on a busy machine.
        #expect(error.contains("outlasts the time limit of host c.1's worker: ran 01:")
            || error.contains("outlasts the time limit of host c.1's worker: ran 00:"), "\(error)")
        #expect(error.contains("limit 01:00; raise --time=1 in slurm_args of host file c"), "\(error)")
        #expect(launch.stderr.contains("host c.1: its worker reached its time limit (01:00) with 1 job running"),
                "\(launch.stderr)")
        #expect(launch.stdout.contains("job 1 failed: outlasts the time limit"), "\(launch.stdout)")
        #expect(!launch.stderr.contains("reconnecting host c.1"), "nothing left to run: \(launch.stderr)")
        #expect(slurm.waitForEmptyQueue(timeout: 10), queued(slurm))
        #expect(sandbox.waitForNoLeftovers().isEmpty)
    }

    /// More CPUs than the node has: srun is queued with reason PartitionConfig, which never
    /// heals; the worker is given up at once, not after pending_limit (600 s).
    @Test func aRequestSlurmCanNeverStartIsGivenUpAtOnceWithTheReason() throws {
        let slurm = try TestSlurm()
        defer { slurm.stop() }
        let sandbox = try SweepSandbox()
        // The local worker runs the sweep meanwhile, for long enough to see the worker given up.
        try sandbox.write("p.json", #"{"name": "p", "workload": "probe", "base": {"epochs": 2, "sleep_ms": 500}, "seeds": 8}"#)
        try sandbox.write("c.json", #"{"name": "c", "slurm": true, "workers": 1, "slots": \#(slurm.cpus * 4)}"#)
        let launch = try sandbox.start(["launch", "p.json", "--hosts", "c.json", "--local-slots", "1"], environment: slurm.environment)
        launch.wait(timeout: 120)
        #expect(launch.status == 0, "\(launch.stdout)\n\(launch.stderr)")
        #expect(launch.stdout.contains("host c.1 unusable: Slurm will never start job"), "\(launch.stdout)")
        #expect(launch.stdout.contains("reason PartitionConfig): the request"), "\(launch.stdout)")
        #expect(!launch.stdout.contains("pending_limit"), "\(launch.stdout)")
        #expect(!launch.stderr.contains("reconnecting host c.1"), "\(launch.stderr)")
        try expectProbeSweepComplete(database: sandbox.database, sweep: "p", jobs: 8, epochs: 2)
        #expect(slurm.waitForEmptyQueue(timeout: 10), queued(slurm))
    }

    /// `hosts add --slurm` and `hosts check` ask Slurm (`srun --test-only`) whether it could
    /// ever run a worker: a bogus partition or more CPUs than any node is refused there.
    @Test func hostsAddAndCheckRefuseARequestSlurmCannotRun() throws {
        let slurm = try TestSlurm()
        defer { slurm.stop() }
        let sandbox = try SweepSandbox()
        let bogus = try run(sandbox, ["hosts", "add", "c", "--slurm", "--slurm-args", "--partition=nope"], slurm)
        #expect(bogus.status == 1, "\(bogus.stdout)\n\(bogus.stderr)")
        #expect(bogus.stderr.contains("Slurm cannot run a worker of c") && bogus.stderr.contains("Invalid partition name"),
                "\(bogus.stderr)")
        #expect(bogus.stderr.contains("choose a partition that sinfo lists"), "\(bogus.stderr)")
        #expect(!FileManager.default.fileExists(atPath: sandbox.directory.appendingPathComponent("Hosts/c.json").path))
        let big = try run(sandbox, ["hosts", "add", "c", "--slurm", "--slots", "\(slurm.cpus * 4)"], slurm)
        #expect(big.status == 1 && big.stderr.contains("lower slots"), "\(big.stderr)")
        let add = try run(sandbox, ["hosts", "add", "c", "--slurm", "--slurm-args", "--partition=debug"], slurm)
        #expect(add.status == 0 && add.stdout.contains("in partition debug"), "\(add.stdout)\n\(add.stderr)")
        #expect(try run(sandbox, ["hosts", "check"], slurm).status == 0)
        // A host file edited by hand afterwards is caught by check.
        try sandbox.write("Hosts/c.json", #"{"name": "c", "slurm": true, "slurm_args": ["--partition=gone"]}"#)
        let check = try run(sandbox, ["hosts", "check"], slurm)
        #expect(check.status == 1 && check.stdout.contains("Invalid partition name"), "\(check.stdout)\n\(check.stderr)")
    }

    /// The same through a login node over SSH: squeue and srun --test-only run there.
    @Test func onALoginNodeARequestSlurmCanNeverStartIsCaughtByCheckAndLaunch() throws {
        let slurm = try TestSlurm()
        defer { slurm.stop() }
        let sshd = try TestSSHD(freshHome: true, environment: slurm.environment)
        defer { sshd.stop() }
        let sandbox = try SweepSandbox()
        try sandbox.write("p.json", #"{"name": "p", "workload": "probe", "base": {"epochs": 2, "sleep_ms": 500}, "seeds": 8}"#)
        let json: JSONValue = [
            "name": "c", "slurm": true, "workers": 1, "slots": .int(slurm.cpus * 4),
            "ssh": .string("\(sshd.user)@127.0.0.1:\(sshd.port)"), "identity": .string(sshd.userKeyPath),
            "known_hosts": .string(sshd.knownHostsPath), "ssh_config": "/dev/null",
        ]
        try FileManager.default.createDirectory(at: sandbox.directory.appendingPathComponent("Hosts"), withIntermediateDirectories: true)
        try sandbox.write("Hosts/c.json", json.canonicalText)
        let check = try sandbox.run(["hosts", "check"])
        #expect(check.status == 1 && check.stdout.contains("c: Slurm cannot run a worker of c") && check.stdout.contains("lower slots"),
                "\(check.stdout)\n\(check.stderr)")
        let launch = try sandbox.run(["launch", "p.json", "--hosts", "Hosts/c.json", "--local-slots", "1"])
        #expect(launch.status == 0, "\(launch.stdout)\n\(launch.stderr)")
        #expect(launch.stdout.contains("host c.1 unusable: Slurm will never start job")
                && launch.stdout.contains("reason PartitionConfig"), "\(launch.stdout)")
        try expectProbeSweepComplete(database: sandbox.database, sweep: "p", jobs: 8, epochs: 2)
        #expect(slurm.waitForEmptyQueue(timeout: 10), queued(slurm))
    }

    @Test func srunRunsOnALoginNodeReachedOverSSH() throws {
        let slurm = try TestSlurm()
        defer { slurm.stop() }
        // The "login node" is a test sshd whose sessions see the cluster's SLURM_CONF and a
        // fresh home, where the binary is shipped and from which the nodes run it.
        let sshd = try TestSSHD(freshHome: true, environment: slurm.environment)
        defer { sshd.stop() }
        let sandbox = try setUp(jobs: 12, epochs: 2, sleepMS: 50)
        let json: JSONValue = [
            "name": "c", "slurm": true, "workers": 2, "slots": 1, "ssh": .string("\(sshd.user)@127.0.0.1:\(sshd.port)"),
            "identity": .string(sshd.userKeyPath), "known_hosts": .string(sshd.knownHostsPath), "ssh_config": "/dev/null",
        ]
        try sandbox.write("c.json", json.canonicalText)
        let launch = try sandbox.start(["launch", "p.json", "--hosts", "c.json", "--local-slots", "0"])
        launch.wait(timeout: 120)
        #expect(launch.status == 0, "\(launch.stdout)\n\(launch.stderr)")
        try expectProbeSweepComplete(database: sandbox.database, sweep: "p", jobs: 12, epochs: 2)
        let attempts = try attempts(sandbox)
        #expect(Set(attempts.map(\.host)).isSubset(of: ["c.1", "c.2"]))
        #expect(attempts.allSatisfy { $0.machine?.node == slurm.nodeName })
        let home = try #require(sshd.home)
        #expect(FileManager.default.fileExists(atPath: home + "/.cache/sweep/bin"))
        #expect(slurm.waitForEmptyQueue(timeout: 10), queued(slurm))
    }

    @Test func aMixedFleetRunsOnTheLocalWorkerAndSlurmInOneLaunch() throws {
        let slurm = try TestSlurm()
        defer { slurm.stop() }
        // Without a shared home: srun --bcast copies the binary to the node's /tmp, and the
        // worker runs that copy (removed as it starts: see SlurmClusterTests for a node that lacks the binary).
        let sandbox = try setUp(jobs: 16, epochs: 2, sleepMS: 150, workers: 1, extra: #", "shared_home": false"#)
        let launch = try sandbox.start(["launch", "p.json", "--hosts", "c.json", "--local-slots", "1"], environment: slurm.environment)
        launch.wait(timeout: 120)
        #expect(launch.status == 0, "\(launch.stdout)\n\(launch.stderr)")
        try expectProbeSweepComplete(database: sandbox.database, sweep: "p", jobs: 16, epochs: 2)
        let hosts = Set(try attempts(sandbox).filter { $0.status == .ok }.map(\.host))
        #expect(hosts == ["local", "c.1"], "\(hosts)")
        let job = try #require(try StoreReader(path: sandbox.database).hosts().first { $0.name == "c.1" }?.placement?.id)
        let copies = ((try? FileManager.default.contentsOfDirectory(atPath: "/tmp")) ?? []).filter { $0.hasPrefix("slurm_bcast_\(job).") }
        #expect(copies.isEmpty, "\(copies)")
        #expect(slurm.waitForEmptyQueue(timeout: 10), queued(slurm))
        #expect(sandbox.waitForNoLeftovers().isEmpty)
    }
}
