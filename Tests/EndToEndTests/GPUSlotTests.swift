import Foundation
import SweepCore
import SweepStore
import SweepTestSupport
import Testing

/// A `command` job that waits until `$2` jobs have started (a barrier of files in the folder
/// `$1`, so they surely run at the same time), then reports its slot and GPU as metrics
/// (`gpu: -1` when `CUDA_VISIBLE_DEVICES` is unset) and whether the barrier was met.
private let slotScript = """
    touch "$1/$SWEEP_JOB"
    n=0
    while [ "$(ls "$1" | wc -l)" -lt "$2" ] && [ $n -lt 1200 ]; do sleep 0.05; n=$((n+1)); done
    echo "epoch: 1"
    echo "slot: $SWEEP_SLOT"
    echo "gpu: ${CUDA_VISIBLE_DEVICES:--1}"
    if [ $n -lt 1200 ]; then echo "together: 1"; else echo "together: 0"; fi
    """

/// Writes the script and a spec of `jobs` such jobs sharing a fresh barrier folder.
private func writeSlotSweep(_ sandbox: SweepSandbox, name: String, jobs: Int) throws {
    // In the sandbox: removed with it.
    let barrier = sandbox.directory.appendingPathComponent("barrier-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: barrier, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o777])
    try sandbox.write("slot.sh", slotScript)
    try sandbox.write("\(name).json", """
        {"name": "\(name)", "workload": "command", "base": {"command": "sh slot.sh \(barrier) \(jobs) {x}", "files": ["slot.sh"]},
         "grid": {"x": \(Array(1...jobs))}}
        """)
}

/// Each job's (slot, gpu, together) metrics.
private func slotMetrics(_ sandbox: SweepSandbox, sweep name: String) throws -> [(slot: Double, gpu: Double, together: Double, host: String?)] {
    let store = try StoreReader(path: sandbox.database)
    return try store.jobs(of: try #require(try store.sweep(named: name)).id).map { job in
        let metrics = Dictionary(try store.metrics(of: job.id).map { ($0.name, $0.value) }) { $1 }
        return (metrics["slot"] ?? .nan, metrics["gpu"] ?? .nan, metrics["together"] ?? .nan, job.host)
    }
}

extension CommandSweepTests {
    /// Three local slots on two fake GPUs: concurrent jobs have distinct slots, and slot i
    /// gets device i mod 2, whatever CUDA_VISIBLE_DEVICES the coordinator had.
    @Test func concurrentLocalJobsGetTheirOwnSlotAndDevice() throws {
        let sandbox = try SweepSandbox()
        try writeSlotSweep(sandbox, name: "gpus", jobs: 3)
        let run = try sandbox.start(["launch", "gpus.json", "--local-slots", "3", "--local-gpus", "2"],
                                    environment: ["HOME": sandbox.directory.path, "CUDA_VISIBLE_DEVICES": "7,8"])
        run.wait(timeout: 180)
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        let jobs = try slotMetrics(sandbox, sweep: "gpus")
        #expect(jobs.count == 3)
        #expect(jobs.allSatisfy { $0.together == 1 }, "the three jobs did not run at once: \(jobs)")
        #expect(Set(jobs.map(\.slot)) == [0, 1, 2], "\(jobs)")
        for job in jobs { #expect(job.gpu == job.slot.truncatingRemainder(dividingBy: 2), "\(jobs)") }
    }

    /// Without GPUs, jobs still get their slot, and CUDA_VISIBLE_DEVICES is left as it was.
    @Test func withoutGPUsTheDevicesAreLeftAlone() throws {
        let sandbox = try SweepSandbox()
        try writeSlotSweep(sandbox, name: "nogpu", jobs: 2)
        let run = try sandbox.start(["launch", "nogpu.json", "--local-slots", "2"],
                                    environment: ["HOME": sandbox.directory.path, "CUDA_VISIBLE_DEVICES": "5"])
        run.wait(timeout: 180)
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        let jobs = try slotMetrics(sandbox, sweep: "nogpu")
        #expect(jobs.allSatisfy { $0.together == 1 }, "\(jobs)")
        #expect(Set(jobs.map(\.slot)) == [0, 1] && jobs.allSatisfy { $0.gpu == 5 }, "\(jobs)")
    }

    @Test func badGPUCountsAreRefused() throws {
        let sandbox = try SweepSandbox()
        let run = try sandbox.run(["launch", "x.json", "--local-gpus", "-1"])
        #expect(run.status == 64 && run.stderr.contains("--local-gpus must be a number of GPUs from 0 to 64, not -1"), "\(run.stderr)")
    }
}

extension RemoteSweepTests {
    /// An SSH host declaring two GPUs: its two concurrent jobs get slots 0 and 1 and devices 0 and 1.
    @Test func anSSHHostsGPUsGoOnePerSlot() throws {
        let sandbox = try SweepSandbox()
        let sshd = try TestSSHD(freshHome: true)
        defer { sshd.stop() }
        let hosts = sandbox.directory.appendingPathComponent("Hosts")
        try FileManager.default.createDirectory(at: hosts, withIntermediateDirectories: true)
        let json: JSONValue = [
            "name": "gpubox", "ssh": .string("\(sshd.user)@127.0.0.1:\(sshd.port)"), "slots": 2, "gpus": 2,
            "identity": .string(sshd.userKeyPath), "known_hosts": .string(sshd.knownHostsPath), "ssh_config": "/dev/null",
        ]
        try json.canonicalText.write(to: hosts.appendingPathComponent("gpubox.json"), atomically: true, encoding: .utf8)
        try writeSlotSweep(sandbox, name: "remote-gpus", jobs: 2)
        let run = try sandbox.start(["launch", "remote-gpus.json", "--local-slots", "0"], environment: ["HOME": sandbox.directory.path])
        run.wait(timeout: 180)
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        let jobs = try slotMetrics(sandbox, sweep: "remote-gpus")
        #expect(jobs.count == 2 && jobs.allSatisfy { $0.host == "gpubox" && $0.together == 1 }, "\(jobs)")
        #expect(Set(jobs.map(\.slot)) == [0, 1] && Set(jobs.map(\.gpu)) == [0, 1], "\(jobs)")
        for job in jobs { #expect(job.gpu == job.slot, "\(jobs)") }
        #expect(sandbox.waitUntil(timeout: 30) { remoteWorkers(sshd).isEmpty }, "remote workers left: \(remoteWorkers(sshd))")
    }
}
