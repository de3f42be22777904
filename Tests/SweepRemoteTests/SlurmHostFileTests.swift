import Foundation
import SweepTransport
import SweepTestSupport
import Testing

@testable import SweepRemote

/// Slurm host files: fields, defaults, limits, and srun options that could make srun run
/// something else refused with the file and field.
struct SlurmHostFileTests {
    func read(_ text: String) throws -> HostFile {
        let scratch = try TemporaryFolder("sweep-slurm-hosts")
        let directory = scratch.url
        let path = directory.appendingPathComponent("c.json").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return try HostFile(contentsOf: path)
    }

    func problem(_ text: String) -> String {
        do {
            _ = try read(text)
            return "accepted"
        } catch {
            return "\(error)"
        }
    }

    @Test func aSlurmClusterWithoutSSHRunsSrunHereAndRoundTrips() throws {
        let host = try read(#"{"name": "c", "slurm": true, "workers": 3, "slots": 4, "slurm_args": ["--partition=cpu", "--time=01:00:00"]}"#)
        #expect(!host.usesSSH)
        #expect(host.slurm == SlurmSettings(workers: 3, arguments: ["--partition=cpu", "--time=01:00:00"]))
        #expect(host.slurm?.workerNames("c") == ["c.1", "c.2", "c.3"])
        #expect(try read(host.json) == host)
        let defaults = try read(#"{"name": "c", "slurm": true, "ssh": "alice@login:2222"}"#)
        #expect(defaults.usesSSH && defaults.port == 2222)
        #expect(defaults.slurm == SlurmSettings(workers: 1, arguments: [], pendingLimit: 600, sharedHome: true))
        let noShare = try read(#"{"name": "c", "slurm": true, "shared_home": false, "pending_limit": 30}"#)
        #expect(noShare.slurm?.sharedHome == false && noShare.slurm?.pendingLimit == 30)
        #expect(try read(noShare.json) == noShare)
    }

    @Test(arguments: [
        (#"{"name": "c", "workers": 2, "ssh": "h"}"#, "workers: only for a Slurm cluster"),
        (#"{"name": "c", "slurm": false, "ssh": "h"}"#, "slurm: expected true"),
        (#"{"name": "c", "slurm": true, "workers": 0}"#, "workers: expected an integer in 1...256"),
        (#"{"name": "c", "slurm": true, "pending_limit": 0}"#, "pending_limit: expected seconds in 1...86400"),
        (#"{"name": "c", "slurm": true, "shared_home": "no"}"#, "shared_home: expected true or false"),
        (#"{"name": "c", "slurm": true, "slurm_args": "--partition=gpu"}"#, "slurm_args: expected an array"),
        (#"{"name": "c", "slurm": true, "slurm_args": ["--partition=gpu", 3]}"#, "slurm_args[1]: expected a string"),
        (#"{"name": "c", "slurm": true, "slurm_args": ["-p", "gpu"]}"#, "slurm_args[0]: \"-p\": expected an srun option in its long form"),
        (#"{"name": "c", "slurm": true, "slurm_args": ["--partition=gpu", "/bin/sh"]}"#, "slurm_args[1]: \"/bin/sh\": expected an srun option"),
        (#"{"name": "c", "slurm": true, "slurm_args": ["--multi-prog"]}"#, "slurm_args[0]: \"--multi-prog\": --multi-prog is set by sweep"),
        (#"{"name": "c", "slurm": true, "slurm_args": ["--task-prolog=/tmp/x"]}"#, "--task-prolog is set by sweep or would change what srun runs"),
        (#"{"name": "c", "slurm": true, "slurm_args": ["--label"]}"#, "--label is set by sweep"),
        (#"{"name": "c", "slurm": true, "slurm_args": ["--job-name=x"]}"#, "--job-name is set by sweep"),
        (#"{"name": "c", "slurm": true, "slurm_args": ["--comment=$(id)'"]}"#, "only printable ASCII without quotes"),
        (#"{"name": "c", "slurm": true, "slurm_args": ["--a;b"]}"#, "not an srun option name"),
        // A terminal escape is refused without being echoed.
        (#"{"name": "c", "slurm": true, "slurm_args": ["--partition=\u001b]0;owned\u0007x"]}"#,
         #"slurm_args[0]: "--partition=?]0;owned?x": only printable ASCII"#),
        (#"{"name": "c", "slurm": true, "slurm_args": ["-p\u001b[2J"]}"#, #""-p?[2J": only printable ASCII"#),
        (#"{"name": "c", "slots": 2}"#, "ssh: expected [user@]host[:port]"),
    ])
    func badSlurmFieldsAreRefusedNamingTheField(text: String, expected: String) {
        let message = problem(text)
        #expect(message.contains("c.json: ") && message.contains(expected), "\(message)")
    }

    @Test func anSSHHostsGPUsAreReadWrittenAndPassedToItsWorker() throws {
        let host = try read(#"{"name": "g", "ssh": "alice@gpu1:2222", "slots": 4, "gpus": 2}"#)
        #expect(host.gpus == 2)
        #expect(try read(host.json) == host)
        #expect(try read(#"{"name": "g", "ssh": "h"}"#).gpus == 0)
        #expect(!(try read(#"{"name": "g", "ssh": "h"}"#).json.contains("gpus")))
        let transport = SSHTransport(host: host, binary: (path: "/bin/true", hash: "0"))
        #expect(transport.command("/x/sweep") == "exec /x/sweep worker --slots 4 --heartbeat 2.0 --gpus 2")
    }

    @Test(arguments: [
        (#"{"name": "g", "ssh": "h", "gpus": -1}"#, "gpus: expected an integer in 0...64"),
        (#"{"name": "g", "ssh": "h", "gpus": 65}"#, "gpus: expected an integer in 0...64"),
        (#"{"name": "g", "ssh": "h", "gpus": "2"}"#, "gpus: expected an integer in 0...64"),
        (#"{"name": "g", "ssh": "h", "gpus": 1.5}"#, "gpus: expected an integer in 0...64"),
        (#"{"name": "g", "slurm": true, "gpus": 2}"#, "gpus: a Slurm cluster's GPUs are Slurm's to assign"),
    ])
    func badGPUCountsAreRefusedNamingTheField(text: String, expected: String) {
        let message = problem(text)
        #expect(message.contains("c.json: ") && message.contains(expected), "\(message)")
    }

    @Test func argumentsAreSplitWithoutAShellAndBounded() throws {
        #expect(try SlurmSettings.splitArguments("  --partition=gpu\t--time=04:00:00 --mem=8G ") == ["--partition=gpu", "--time=04:00:00", "--mem=8G"])
        #expect(try SlurmSettings.splitArguments("") == [])
        #expect(throws: SlurmArgumentError.self) { try SlurmSettings.splitArguments("--partition=gpu hostname") }
        #expect(throws: SlurmArgumentError.self) { try SlurmSettings.splitArguments("--comment='a b'") }
        #expect(throws: SlurmArgumentError.self) {
            try SlurmSettings.splitArguments(Array(repeating: "--hold", count: 33).joined(separator: " "))
        }
        #expect(throws: SlurmArgumentError.self) { try SlurmSettings.splitArguments("--comment=" + String(repeating: "x", count: 300)) }
    }

    @Test func aWorkerNameMeetingAnotherHostFileIsRefused() throws {
        let scratch = try TemporaryFolder("sweep-slurm-hosts")
        let directory = scratch.url
        try #"{"name": "c", "slurm": true, "workers": 2}"#.write(to: directory.appendingPathComponent("a.json"), atomically: true, encoding: .utf8)
        try #"{"name": "c.2", "ssh": "h"}"#.write(to: directory.appendingPathComponent("b.json"), atomically: true, encoding: .utf8)
        #expect(throws: HostFileError.self) { try HostFile.load(directory.path) }
    }

    /// Slurm's time formats, as `--time` takes them; anything else (srun refuses it) is unknown.
    @Test(arguments: [
        ("1", 60), ("90", 5400), ("1:30", 90), ("01:00:00", 3600), ("2-0", 172_800), ("2-1:30", 178_200),
        ("1-1:1:1", 90_061), ("0", 0),
    ] as [(String, Int)])
    func slurmTimesAreReadAsSrunReadsThem(_ text: String, _ seconds: Int) {
        #expect(SlurmSettings.seconds(slurmTime: text) == seconds)
    }

    @Test(arguments: ["", "UNLIMITED", "INFINITE", "-1", "1:-1", "1--2", "1:2:3:4", "a", "1:", ":1", "99999999999999999999",
                      "1-", "-", "1.5"])
    func otherTimesAreUnknown(_ text: String) {
        #expect(SlurmSettings.seconds(slurmTime: text) == nil)
    }

    /// A worker Slurm ended at its `--time` is `.timeLimit` with the limit and the fix; a
    /// cancelled one heals; a refused request does not.
    @Test func howAWorkersEndIsClassified() throws {
        let host = try read(#"{"name": "c", "slurm": true, "slurm_args": ["--time=2:00"]}"#)
        let state = SlurmJobState(host: "c.1", hostFile: "c", settings: try #require(host.slurm), slurm: { _ in nil })
        let ended = "c.1 exited with status 143: slurmstepd-vm: error: *** STEP 14.0 ON vm CANCELLED AT 2026-12-07T09:29:38 DUE TO TIME LIMIT ***"
        #expect(state.failure(ended) == .timeLimit(seconds: 120, fix: "raise --time=2:00 in slurm_args of host file c, or make the jobs shorter"))
        #expect(state.failure("c.1 exited with status 1: srun: Job has been cancelled") == .transient)
        #expect(state.failure("srun: error: Unable to allocate resources: Invalid partition name specified") == .permanent)
        // A preemption and a node failure are said as what they are (they heal: transient).
        let preempted = "c.1 exited with status 143: slurmstepd: error: *** STEP 9.0 ON n1 CANCELLED AT 2026-12-07T10:00:00 DUE TO PREEMPTION ***"
        #expect(state.failure(preempted) == .transient)
        #expect(state.explain(preempted).hasPrefix("its Slurm job was preempted (cancelled for a higher-priority job)"))
        #expect(state.explain("c.1 exited with status 0: srun: error: Node failure on n2") == "Slurm reported a node failure on n2; its running jobs run again elsewhere")
        #expect(state.explain("c.1 exited with status 1: srun: Job has been cancelled") == "c.1 exited with status 1: srun: Job has been cancelled")
    }
}
