import Foundation
import SweepCore
import SweepStore
import SweepTestSupport
import Testing

/// Sweeps on a real multi-node Slurm cluster: `TestSlurm(nodes: 3)` runs three `slurmd -N nX`
/// on this machine (Debian's Slurm is built with `MULTIPLE_SLURMD`), one CPU each, so workers
/// land on different nodes and a node can crash (kill -9 of its slurmd, step daemons and
/// tasks) while the others run on. After each test Slurm's queue must be empty.
@Suite(.serialized, .enabled(if: TestSlurm.isInstalled, "Slurm is not installed (apt-get install slurmd slurmctld slurm-client munge)"))
struct SlurmClusterTests {
    /// A sandbox with a probe spec `p` and a Slurm host file `c.json` (`workers` x 1 slot).
    func setUp(jobs: Int, epochs: Int, sleepMS: Int, workers: Int) throws -> SweepSandbox {
        let sandbox = try SweepSandbox()
        try sandbox.write("p.json", """
            {"name": "p", "workload": "probe", "base": {"epochs": \(epochs), "sleep_ms": \(sleepMS)}, "seeds": \(jobs)}
            """)
        try sandbox.write("c.json", #"{"name": "c", "slurm": true, "workers": \#(workers), "slots": 1}"#)
        return sandbox
    }

    func store(_ sandbox: SweepSandbox) throws -> StoreReader { try StoreReader(path: sandbox.database) }

    /// Every attempt of sweep `p`, with its job's id; none before the launch registered it
    /// (this is polled while the launch starts, so a missing sweep is no failure here).
    func attempts(_ sandbox: SweepSandbox) throws -> [(job: Int64, attempt: StoredAttempt)] {
        let store = try store(sandbox)
        guard let sweep = try store.sweep(named: "p") else { return [] }
        return try store.jobs(of: sweep.id).flatMap { job in
            try store.attempts(of: job.id).map { (job.id, $0) }
        }
    }

    /// The queue, for a failure's message.
    func queued(_ slurm: TestSlurm) -> Comment { "\((try? slurm.queue().map { "\($0.id) \($0.name) \($0.state)" }) ?? [])" }

    @Test(.timeLimit(.minutes(3)))
    func workersOnThreeNodesShareASweepAndLeaveNoJob() throws {
        let slurm = try TestSlurm(nodes: 3)
        defer { slurm.stop() }
        #expect(slurm.nodes == ["n1", "n2", "n3"])
        #expect(try slurm.run("scontrol", ["show", "config"]).contains("MULTIPLE_SLURMD         = Yes"))
        // One CPU per node and one slot per worker: each worker is a Slurm job of its own node.
        let sandbox = try setUp(jobs: 30, epochs: 2, sleepMS: 200, workers: 3)
        let launch = try sandbox.start(["launch", "p.json", "--hosts", "c.json", "--local-slots", "0"], environment: slurm.environment)
        launch.wait(timeout: 150)
        #expect(launch.status == 0, "\(launch.stdout)\n\(launch.stderr)")
        try expectProbeSweepComplete(database: sandbox.database, sweep: "p", jobs: 30, epochs: 2)
        let attempts = try attempts(sandbox).map(\.attempt)
        #expect(attempts.allSatisfy { $0.status == .ok }, "\(attempts.map { ($0.host, $0.status) })")
        #expect(Set(attempts.map(\.host)) == ["c.1", "c.2", "c.3"], "\(attempts.map(\.host))")
        // The attempts record the node each ran on: all three, and one node per worker.
        let nodes = Dictionary(grouping: attempts, by: \.host).mapValues { Set($0.map { $0.machine?.node ?? "?" }) }
        #expect(nodes.values.allSatisfy { $0.count == 1 }, "\(nodes)")
        #expect(Set(nodes.values.flatMap { $0 }) == ["n1", "n2", "n3"], "\(nodes)")
        let spread = Dictionary(grouping: attempts) { $0.machine?.node ?? "?" }.mapValues(\.count)
        let hosts = try store(sandbox).hosts()
        #expect(Set(hosts.compactMap(\.placement?.id)).count == 3, "three Slurm jobs: \(hosts)")
        #expect(slurm.waitForEmptyQueue(timeout: 10), queued(slurm))
        #expect(sandbox.waitForNoLeftovers().isEmpty)
        print("jobs per node: \(spread.sorted { $0.key < $1.key })")
    }

    /// A drained node takes no worker: two workers on three nodes, one drained, run on the
    /// other two; resumed, it runs one again.
    @Test(.timeLimit(.minutes(3)))
    func aDrainedNodeTakesNoWorker() throws {
        let slurm = try TestSlurm(nodes: 3)
        defer { slurm.stop() }
        try slurm.drain("n1")
        #expect(try slurm.nodeStates()["n1"] == "drained")
        let sandbox = try setUp(jobs: 8, epochs: 2, sleepMS: 100, workers: 2)
        let launch = try sandbox.start(["launch", "p.json", "--hosts", "c.json", "--local-slots", "0"], environment: slurm.environment)
        launch.wait(timeout: 120)
        #expect(launch.status == 0, "\(launch.stdout)\n\(launch.stderr)")
        try expectProbeSweepComplete(database: sandbox.database, sweep: "p", jobs: 8, epochs: 2)
        let nodes = Set(try attempts(sandbox).map { $0.attempt.machine?.node ?? "?" })
        #expect(nodes == ["n2", "n3"], "\(nodes)")
        try slurm.resume("n1")
        // srun's own notes (queued, allocated) come first on the merged output.
        let ran = try slurm.run("srun", ["-w", "n1", "-n1", "/bin/sh", "-c", "echo $SLURMD_NODENAME"])
        #expect(ran.split(separator: "\n").last.map(String.init) == "n1", "\(ran)")
        #expect(slurm.waitForEmptyQueue(timeout: 10), queued(slurm))
        #expect(sandbox.waitForNoLeftovers().isEmpty)
    }

    /// Waits until worker c.1 runs a job it started lately (so it is still running when a
    /// fault hits) on a known node; returns that node, the job and the worker's Slurm job id.
    func freshJobOfFirstWorker(_ slurm: TestSlurm, _ sandbox: SweepSandbox) throws -> (node: String, job: Int64, slurmJob: String) {
        var victim: (id: String, name: String, nodes: String)?
        var running: (job: Int64, attempt: StoredAttempt)?
        #expect(sandbox.waitUntil(timeout: 60) {
            victim = try? slurm.running().first { $0.name.hasSuffix("-c.1") }
            running = try? attempts(sandbox).first {
                $0.attempt.host == "c.1" && $0.attempt.status == .running && Date().timeIntervalSince($0.attempt.startedAt) < 1.5
            }
            return victim != nil && running != nil
        }, queued(slurm))
        return (try #require(victim?.nodes), try #require(running?.job), try #require(victim?.id))
    }

    /// Two workers on three nodes; the node of c.1 crashes while c.1 runs a job. Its worker is
    /// lost (srun ends with "Node failure" once slurmctld marks the node down, or the heartbeat
    /// grace passes first), the job it ran is rerun elsewhere once, the replacement worker
    /// starts on the node left free, and the sweep ends by itself.
    @Test(.timeLimit(.minutes(3)))
    func aNodeCrashLosesItsWorkerAndItsJobRunsElsewhereOnce() throws {
        let slurm = try TestSlurm(nodes: 3)
        defer { slurm.stop() }
        // 20 jobs of about 3 s: the survivor alone still has work when the loss is noticed.
        let sandbox = try setUp(jobs: 20, epochs: 10, sleepMS: 300, workers: 2)
        let launch = try sandbox.start(["launch", "p.json", "--hosts", "c.json", "--local-slots", "0"], environment: slurm.environment)
        let (node, job, victim) = try freshJobOfFirstWorker(slurm, sandbox)
        #expect(slurm.nodes.contains(node), "\(node)")
        let killed = slurm.crashNode(node)
        #expect(!killed.isEmpty, "the step daemon and the worker under it")
        launch.wait(timeout: 150)
        #expect(launch.status == 0, "\(launch.stdout)\n\(launch.stderr)")
        // Exactly once: one ok attempt per job (and every job done with all its metrics).
        try expectProbeSweepComplete(database: sandbox.database, sweep: "p", jobs: 20, epochs: 10)
        let all = try attempts(sandbox)
        let lost = all.filter { $0.attempt.status == .lost }
        #expect(!lost.isEmpty && lost.allSatisfy { $0.attempt.host == "c.1" && $0.attempt.machine?.node == node },
                "\(all.map { ($0.job, $0.attempt.host, $0.attempt.machine?.node, $0.attempt.status) })")
        #expect(lost.contains { $0.job == job }, "the job c.1 ran when its node crashed is lost: \(lost.map(\.job))")
        #expect(all.allSatisfy { $0.attempt.status == .ok || $0.attempt.status == .lost },
                "\(all.map { ($0.job, $0.attempt.status, $0.attempt.error) })")
        // Rerun elsewhere: no ok attempt on the dead node after the crash (it stays down).
        for (id, attempt) in all where attempt.status == .ok && lost.contains(where: { $0.job == id }) {
            #expect(attempt.machine?.node != node, "job \(id) reran on \(attempt.machine?.node ?? "?")")
        }
        // The replacement: a new Slurm job for c.1, on a surviving node.
        #expect(launch.stderr.contains("reconnecting host c.1"), "\(launch.stderr)")
        let replaced = try store(sandbox).hosts().first { $0.name == "c.1" }
        #expect(replaced?.placement?.id != victim, "\(String(describing: replaced))")
        let states = try slurm.nodeStates()
        #expect(states[node]?.hasPrefix("down") == true, "\(states)")
        #expect(slurm.waitForEmptyQueue(timeout: 10), queued(slurm))
        #expect(sandbox.waitForNoLeftovers().isEmpty)
        // The node comes back and runs jobs again.
        try slurm.bringBack(node)
        // srun's own notes (queued, allocated) come first on the merged output.
        let ran = try slurm.run("srun", ["-w", node, "-n1", "/bin/sh", "-c", "echo $SLURMD_NODENAME"])
        #expect(ran.split(separator: "\n").last.map(String.init) == node, "\(ran)")
        #expect(slurm.waitForEmptyQueue(timeout: 10), queued(slurm))
        print("crashed \(node) (killed \(killed.count) processes); attempts: \(all.count), lost: \(lost.map { $0.attempt.error ?? "" })")
    }
}

extension SlurmClusterTests {
    /// A job of a higher-priority partition preempts a worker (`PreemptMode=CANCEL`): the
    /// job the worker ran is rerun once, the worker is requested again, the sweep ends by itself.
    @Test(.timeLimit(.minutes(3)))
    func aPreemptedWorkersJobRunsAgainOnce() throws {
        let slurm = try TestSlurm(nodes: 2, preemption: true)
        defer { slurm.stop() }
        let sandbox = try setUp(jobs: 16, epochs: 10, sleepMS: 300, workers: 2)
        let launch = try sandbox.start(["launch", "p.json", "--hosts", "c.json", "--local-slots", "0"], environment: slurm.environment)
        let (node, job, victim) = try freshJobOfFirstWorker(slurm, sandbox)
        // Waits while Slurm cancels the worker to make room, then runs.
        let urgent = try slurm.run("srun", ["-p", "urgent", "-w", node, "-n1", "/bin/sh", "-c", "echo $SLURMD_NODENAME"])
        #expect(urgent.split(separator: "\n").last.map(String.init) == node, "\(urgent)")
        launch.wait(timeout: 150)
        #expect(launch.status == 0, "\(launch.stdout)\n\(launch.stderr)")
        try expectProbeSweepComplete(database: sandbox.database, sweep: "p", jobs: 16, epochs: 10)
        let all = try attempts(sandbox)
        let lost = all.filter { $0.attempt.status == .lost }
        #expect(lost.contains { $0.job == job } && lost.allSatisfy { $0.attempt.host == "c.1" },
                "\(all.map { ($0.job, $0.attempt.host, $0.attempt.status, $0.attempt.error) })")
        #expect(launch.stderr.contains("reconnecting host c.1"), "\(launch.stderr)")
        #expect(try store(sandbox).hosts().first { $0.name == "c.1" }?.placement?.id != victim)
        #expect(slurm.waitForEmptyQueue(timeout: 10), queued(slurm))
        #expect(sandbox.waitForNoLeftovers().isEmpty)
        print("preempted c.1 on \(node); lost: \(lost.map { $0.attempt.error ?? "" })")
    }
}

extension SlurmClusterTests {
    /// The broadcast copies of Slurm jobs `ids` still in the broadcast folder.
    func broadcastCopies(of ids: [String]) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/tmp")) ?? []
        return names.filter { name in ids.contains { name.hasPrefix("slurm_bcast_\($0).") } }
    }

    /// `"shared_home": false` on a node that lacks the binary: n2's slurmd runs in a mount
    /// namespace where the build folder is an empty tmpfs, so only `srun --bcast`'s copy can
    /// run there. Workers on both nodes run the sweep from the same bytes (the hash each
    /// reports), and each copy is gone at the end.
    @Test(.timeLimit(.minutes(3)))
    func aNodeWithoutTheBinaryRunsTheBroadcastCopy() throws {
        let binary = SweepSandbox.binary.resolvingSymlinksInPath()
        let slurm = try TestSlurm(nodes: 2, hiding: ["n2": [binary.deletingLastPathComponent().path]])
        defer { slurm.stop() }
        // The control: n2 really lacks the binary, n1 has it.
        let probe = "test -x '\(binary.path)' && echo present || echo missing"
        for (node, expected) in [("n1", "present"), ("n2", "missing")] {
            let seen = try slurm.run("srun", ["-w", node, "-n1", "/bin/sh", "-c", probe])
            #expect(seen.split(separator: "\n").last.map(String.init) == expected, "\(node): \(seen)")
        }
        let sandbox = try setUp(jobs: 12, epochs: 2, sleepMS: 200, workers: 2)
        try sandbox.write("c.json", #"{"name": "c", "slurm": true, "workers": 2, "slots": 1, "shared_home": false}"#)
        let launch = try sandbox.start(["launch", "p.json", "--hosts", "c.json", "--local-slots", "0"], environment: slurm.environment)
        launch.wait(timeout: 150)
        #expect(launch.status == 0, "\(launch.stdout)\n\(launch.stderr)")
        try expectProbeSweepComplete(database: sandbox.database, sweep: "p", jobs: 12, epochs: 2)
        let attempts = try attempts(sandbox).map(\.attempt)
        #expect(attempts.allSatisfy { $0.status == .ok }, "\(attempts.map { ($0.host, $0.status, $0.error) })")
        #expect(Set(attempts.compactMap { $0.machine?.node }) == ["n1", "n2"], "\(attempts.map { $0.machine?.node })")
        let hash = try Digest.sha256Hex(fileAtPath: binary.path)
        #expect(attempts.allSatisfy { $0.machine?.binaryHash == hash }, "\(attempts.map { $0.machine?.binaryHash })")
        let jobs = try store(sandbox).hosts().compactMap(\.placement?.id)
        #expect(jobs.count == 2, "\(jobs)")
        // The worker removes its copy as it starts: none is left, even of a worker still ending.
        #expect(sandbox.waitUntil(timeout: 10) { broadcastCopies(of: jobs).isEmpty }, "\(broadcastCopies(of: jobs))")
        #expect(slurm.waitForEmptyQueue(timeout: 10), queued(slurm))
        #expect(sandbox.waitForNoLeftovers().isEmpty)
    }
}

extension SlurmClusterTests {
    /// A sweep whose worker c.1 runs jobs on n1 while c.2 waits in the queue (n2 drained);
    /// returns the launch and the two Slurm job ids once both are known.
    func startWithOneWorkerQueued(_ slurm: TestSlurm, _ sandbox: SweepSandbox) throws -> (launch: Run, running: String, pending: String) {
        try slurm.drain("n2")
        let launch = try sandbox.start(["launch", "p.json", "--hosts", "c.json", "--local-slots", "0"], environment: slurm.environment)
        var hosts: [StoredHost] = []
        #expect(sandbox.waitUntil(timeout: 60) {
            hosts = (try? store(sandbox).hosts()) ?? []
            let running = (try? attempts(sandbox).contains { $0.attempt.host == "c.1" && $0.attempt.status == .running }) ?? false
            return running && hosts.contains { $0.name == "c.2" && $0.state == .pending && $0.placement?.id != nil }
                && hosts.contains { $0.name == "c.1" && $0.placement?.id != nil }
        }, "\(hosts) \(queued(slurm))")
        return (launch, try #require(hosts.first { $0.name == "c.1" }?.placement?.id), try #require(hosts.first { $0.name == "c.2" }?.placement?.id))
    }

    /// slurmctld is killed with SIGKILL mid-sweep, once it has saved both workers' jobs, while
    /// worker c.1 runs jobs on n1 and c.2 waits in the queue (n2 drained), and started again
    /// 3 s later. The running worker goes on (no attempt lost, the same Slurm job throughout),
    /// the pending request is neither lost nor doubled (the same Slurm job starts once n2
    /// resumes, and the queue never holds two of c.2's), and every job is done exactly once.
    @Test(.timeLimit(.minutes(4)))
    func aControllerRestartMidSweepLosesAndDoublesNothing() throws {
        let slurm = try TestSlurm(nodes: 2)
        defer { slurm.stop() }
        let sandbox = try setUp(jobs: 24, epochs: 10, sleepMS: 200, workers: 2)
        let (launch, first, pending) = try startWithOneWorkerQueued(slurm, sandbox)
        let names = try slurm.queue().map(\.name)
        #expect(sandbox.waitUntil(timeout: 30) { names.allSatisfy(slurm.hasSaved(job:)) }, "\(names) not saved by slurmctld")
        try slurm.restartController(down: 3)
        try slurm.resume("n2")
        // Until c.2 runs: one Slurm job of c.2's in the queue at any time, the one it asked for.
        var seen: Set<String> = []
        #expect(sandbox.waitUntil(timeout: 60) {
            let mine = ((try? slurm.queue()) ?? []).filter { $0.name.hasSuffix("-c.2") }
            if mine.count > 1 { seen.insert("\(mine.count) at once") }
            seen.formUnion(mine.map(\.id))
            return mine.contains { $0.state == "RUNNING" }
        }, queued(slurm))
        #expect(seen == [pending], "\(seen)")
        launch.wait(timeout: 180)
        #expect(launch.status == 0, "\(launch.stdout)\n\(launch.stderr)")
        try expectProbeSweepComplete(database: sandbox.database, sweep: "p", jobs: 24, epochs: 10)
        let all = try attempts(sandbox).map(\.attempt)
        #expect(all.allSatisfy { $0.status == .ok }, "\(all.map { ($0.host, $0.status, $0.error) })")
        #expect(Set(all.map(\.host)) == ["c.1", "c.2"], "\(all.map(\.host))")
        let after = try store(sandbox).hosts()
        #expect(after.first { $0.name == "c.1" }?.placement?.id == first, "\(after)")
        #expect(after.first { $0.name == "c.2" }?.placement?.id == pending, "\(after)")
        #expect(!launch.stderr.contains("reconnecting host"), "\(launch.stderr)")
        #expect(slurm.waitForEmptyQueue(timeout: 10), queued(slurm))
        #expect(sandbox.waitForNoLeftovers().isEmpty)
    }

    /// The controller comes back without its state (`slurmctld -c`, as after a crash before
    /// its first save): it kills c.1's step, and c.2's queued job no longer exists while its
    /// srun waits on. c.1 is lost and reconnected (its job rerun once); c.2 is found gone by
    /// squeue and requested again (srun alone would wait forever, and outlive the sweep).
    @Test(.timeLimit(.minutes(4)))
    func aControllerThatLostItsStateHasEveryWorkerRequestedAgain() throws {
        let slurm = try TestSlurm(nodes: 2)
        defer { slurm.stop() }
        let sandbox = try setUp(jobs: 24, epochs: 10, sleepMS: 200, workers: 2)
        let (launch, first, pending) = try startWithOneWorkerQueued(slurm, sandbox)
        try slurm.restartController(losingState: true)
        launch.wait(timeout: 200)
        #expect(launch.status == 0, "\(launch.stdout)\n\(launch.stderr)")
        try expectProbeSweepComplete(database: sandbox.database, sweep: "p", jobs: 24, epochs: 10)
        let all = try attempts(sandbox).map(\.attempt)
        #expect(all.allSatisfy { $0.status == .ok || ($0.status == .lost && $0.host == "c.1") },
                "\(all.map { ($0.host, $0.status, $0.error) })")
        #expect(launch.stderr.contains("Slurm no longer knows job \(pending)"), "\(launch.stderr)")
        let after = try store(sandbox).hosts()
        #expect(after.first { $0.name == "c.1" }?.placement?.id != first, "\(after)")
        #expect(after.first { $0.name == "c.2" }?.placement?.id != pending, "\(after)")
        #expect(slurm.waitForEmptyQueue(timeout: 10), queued(slurm))
        #expect(sandbox.waitForNoLeftovers().isEmpty)
    }
}

extension SlurmClusterTests {
    /// `--time=1` (a minute, Slurm's shortest) and jobs of 25 s: after two jobs a worker has
    /// about 10 s left, less than a job is known to take, so it takes no third; it is replaced
    /// and the fresh worker runs the rest. Every attempt is ok (with `--max-attempts 1` a
    /// job killed by the limit would fail the sweep; one put back would show as lost).
    @Test(.timeLimit(.minutes(4)))
    func aWorkerNearItsTimeLimitIsReplacedBetweenJobs() throws {
        let slurm = try TestSlurm(nodes: 2)
        defer { slurm.stop() }
        let sandbox = try setUp(jobs: 4, epochs: 25, sleepMS: 1000, workers: 1)
        try sandbox.write("c.json", #"{"name": "c", "slurm": true, "workers": 1, "slots": 1, "slurm_args": ["--time=1"]}"#)
        let launch = try sandbox.start(["launch", "p.json", "--hosts", "c.json", "--local-slots", "0", "--max-attempts", "1"],
                                       environment: slurm.environment)
        launch.wait(timeout: 200)
        #expect(launch.status == 0, "\(launch.stdout)\n\(launch.stderr)")
        try expectProbeSweepComplete(database: sandbox.database, sweep: "p", jobs: 4, epochs: 25)
        let all = try attempts(sandbox).map(\.attempt)
        #expect(all.count == 4 && all.allSatisfy { $0.status == .ok }, "\(all.map { ($0.status, $0.error) })")
        #expect(launch.stderr.contains("left of its time limit, less than the next job is expected to take; requesting a fresh worker"),
                "\(launch.stderr)")
        #expect(!launch.stderr.contains("reached its time limit"), "no worker met its limit with a job: \(launch.stderr)")
        #expect(slurm.waitForEmptyQueue(timeout: 10), queued(slurm))
        #expect(sandbox.waitForNoLeftovers().isEmpty)
    }
}
