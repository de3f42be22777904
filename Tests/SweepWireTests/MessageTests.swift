import SweepCore
import SweepWire
import Testing

@Suite struct MessageTests {
    static let workerMessages: [WorkerMessage] = [
        .ready(WorkerInfo(version: "0.1.0", binaryHash: "abc", hostname: "h", cores: 2, slots: 4)),
        .ready(WorkerInfo(version: "0.1.0", binaryHash: "abc", hostname: "h", cores: 2, slots: 4,
                          os: "Debian GNU/Linux 12 (bookworm), Linux 6.1.0, x86_64", cpu: "Intel(R) Xeon(R) CPU @ 2.20GHz")),
        .ready(WorkerInfo(version: "0.1.0", binaryHash: "abc", hostname: "n1", cores: 2, slots: 4,
                          placement: Placement(kind: "slurm", id: "4242", node: "n1"))),
        .ready(WorkerInfo(version: "0.1.0", binaryHash: "abc", hostname: "h", cores: 2, slots: 4, placement: Placement(kind: "ssh"))),
        .started(job: 7, attempt: 2),
        .metric(job: 7, attempt: 2, epoch: 3, values: ["loss": 0.125, "acc": 1]),
        .log(job: 7, attempt: 2, line: "a \"quoted\"\tline ✓"),
        .output(job: 7, attempt: 2, path: "sub/model.bin", offset: 196_608, bytes: [0, 255, 10, 13, 34, 92]),
        .output(job: 7, attempt: 2, path: "empty.txt", offset: 0, bytes: []),
        .finished(AttemptResult(job: 7, attempt: 2, status: .failed, error: "boom", stderrTail: "x\ny", signal: 6)),
        .finished(AttemptResult(job: 8, attempt: 1, status: .ok, summary: ["f": [1, 2.5]])),
        .finished(AttemptResult(job: 9, attempt: 1, status: .failed, error: "data set missing", reportedByJob: true)),
        .heartbeat(running: [1, 2, 3]),
    ]

    @Test(arguments: workerMessages)
    func workerMessagesRoundTripAsOneLine(_ message: WorkerMessage) throws {
        let line = message.line
        #expect(line.hasSuffix("\n"))
        #expect(line.dropLast().contains("\n") == false)
        #expect(try WorkerMessage(line: line) == message)
    }

    /// A worker from before provenance sends no os/cpu: it still parses; a long one is cut.
    @Test func readyWithoutOrWithOverlongMachineFields() throws {
        let old = #"{"v":1,"type":"ready","version":"0.0.9","binary":"abc","hostname":"h","cores":2,"slots":1}"#
        guard case .ready(let info) = try WorkerMessage(line: old) else { Issue.record("not ready"); return }
        #expect(info.os == nil && info.cpu == nil && info.version == "0.0.9")
        let long = String(repeating: "x", count: 5000)
        let line = WorkerMessage.ready(WorkerInfo(version: "1", binaryHash: "b", hostname: "h", cores: 1, slots: 1, os: long, cpu: long)).line
        guard case .ready(let cut) = try WorkerMessage(line: line) else { Issue.record("not ready"); return }
        #expect(cut.os?.count == WorkerInfo.maxDescription && cut.cpu?.count == WorkerInfo.maxDescription)
    }

    /// A placement is `{kind, id, node}`, not a scheduler's own fields: its kind must be a
    /// plain word (it is stored and shown as is), its id and node are cut like the machine's.
    @Test func aWorkersPlacementIsNeutralBoundedAndChecked() throws {
        let line = WorkerMessage.ready(WorkerInfo(version: "1", binaryHash: "b", hostname: "n1", cores: 1, slots: 1,
                                                  placement: Placement(kind: "slurm", id: "77", node: "n1"))).line
        #expect(line.contains(#""placement":{"id":"77","kind":"slurm","node":"n1"}"#), "\(line)")
        #expect(!line.contains("slurm_job"))
        let long = String(repeating: "9", count: 5000)
        let overlong = #"{"v":1,"type":"ready","version":"1","binary":"b","hostname":"h","cores":1,"slots":1,"#
            + #""placement":{"kind":"slurm","id":"\#(long)","node":"\#(long)"}}"#
        guard case .ready(let cut) = try WorkerMessage(line: overlong) else { Issue.record("not ready"); return }
        #expect(cut.placement?.id?.count == WorkerInfo.maxDescription && cut.placement?.node?.count == WorkerInfo.maxDescription)
        for bad in [#""placement":"slurm""#, #""placement":{"id":"1"}"#, #""placement":{"kind":"Slurm Job"}"#,
                    #""placement":{"kind":"\u001b[2J"}"#, #""placement":{"kind":"slurm","id":7}"#,
                    #""placement":{"kind":"\#(String(repeating: "k", count: 33))"}"#] {
            let text = #"{"v":1,"type":"ready","version":"1","binary":"b","hostname":"h","cores":1,"slots":1,"# + bad + "}"
            #expect(throws: WireError.self, "\(bad)") { try WorkerMessage(line: text) }
        }
    }

    @Test func coordinatorMessagesRoundTrip() throws {
        let config = JobConfig(["seed": 3, "kan.width": 8, "lr": 0.001, "model": "kan"])
        for message: CoordinatorMessage in [
            .run(RunRequest(job: 1, attempt: 1, workload: "probe", config: config, timeout: 30)),
            .cancel(job: 4), .drain,
        ] {
            #expect(try CoordinatorMessage(line: message.line) == message)
        }
    }

    @Test func aNaNMetricSurvivesAsNaN() throws {
        let line = WorkerMessage.metric(job: 1, attempt: 1, epoch: 1, values: ["loss": .nan]).line
        guard case .metric(_, _, _, let values) = try WorkerMessage(line: line) else {
            Issue.record("not a metric")
            return
        }
        #expect(values["loss"]?.isNaN == true)
    }

    @Test(arguments: ["", "{}", "[1]", #"{"v": 2, "type": "drain"}"#, #"{"v": 1, "type": "run", "job": 1}"#, #"{"v": 1, "type": "nope"}"#])
    func badLinesAreRejectedWithAReason(_ line: String) {
        #expect(throws: WireError.self) { try CoordinatorMessage(line: line) }
    }
}
