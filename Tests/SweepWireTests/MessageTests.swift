import SweepCore
import SweepWire
import Testing

@Suite struct MessageTests {
    static let workerMessages: [WorkerMessage] = [
        .ready(WorkerInfo(version: "0.1.0", binaryHash: "abc", hostname: "h", cores: 2, slots: 4)),
        .ready(WorkerInfo(version: "0.1.0", binaryHash: "abc", hostname: "h", cores: 2, slots: 4,
                          os: "Debian GNU/Linux 12 (bookworm), Linux 6.1.0, x86_64", cpu: "Intel(R) Xeon(R) CPU @ 2.20GHz")),
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
