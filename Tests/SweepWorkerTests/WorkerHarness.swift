#if canImport(Glibc)
import Glibc
#endif
import CSweepShims
import Foundation
import SweepCore
import SweepRuntime
import SweepTestSupport
import SweepWire
import SweepWorker
import Synchronization

/// A `Worker` serving on a thread, spoken to through pipes, with `/bin/sh` scripts as its
/// job runners: real processes, no coordinator. Given a `ManualClock`, the worker is not
/// served but stepped by the test (`step(until:)`), and its timers follow that clock.
final class WorkerHarness: Sendable {
    /// A runner that answers each `run` with `finished ok`, unless the job's `value` says
    /// to sleep (for timeouts, cancels, shutdown) or to crash. It records its pid in `pids`
    /// and marks each job's start on stderr, as `sweep job --stdio` does.
    static func runnerScript(pids: String) -> String {
        #"""
        echo $$ >> '\#(pids)'
        handle() {
          job=$(printf '%s' "$1" | sed -n 's/.*"job":\([0-9]*\).*/\1/p')
          attempt=$(printf '%s' "$1" | sed -n 's/.*"attempt":\([0-9]*\).*/\1/p')
          printf '%s %s %s\n' "$SWEEP_STDERR_MARK" "$job" "$attempt" >&2
          case "$1" in
            *'"value":"sleep"'*) sleep 30 ;;
            *'"value":"crash"'*) echo dying >&2; kill -SEGV $$ ;;
            *'"value":"stubborn"'*) trap '' TERM; echo "ignoring TERM" >&2; sleep 30 ;;
            *'"value":"trailing"'*)
              # Its last stderr line comes after its `finished`, once the worker has
              # handed this runner the next job (a reader thread late by that much).
              printf '{"v":1,"type":"finished","job":%s,"attempt":%s,"status":"ok"}\n' "$job" "$attempt"
              IFS= read -r next || exit 0
              echo "last words of job $job" >&2
              handle "$next"
              return ;;
          esac
          printf '{"v":1,"type":"finished","job":%s,"attempt":%s,"status":"ok"}\n' "$job" "$attempt"
        }
        while IFS= read -r line; do handle "$line"; done
        """#
    }

    private let folder: TemporaryFolder
    let pidsFile: String
    private let toWorker: Descriptor
    private let workerOutput: Descriptor
    private let received = Inbox()
    private let served = DispatchSemaphore(value: 0)
    /// The worker the test steps, touched only by the test's thread (nil when served).
    nonisolated(unsafe) private let stepped: Worker?

    init(slots: Int, heartbeat: Double = 0.05, clock: ManualClock? = nil) {
        folder = try! TemporaryFolder("sweep-worker")
        pidsFile = folder.file("pids")
        var input: [Int32] = [0, 0], output: [Int32] = [0, 0]
        // Close-on-exec: the children other tests start must not inherit (and hold open) these.
        precondition(sweep_pipe_cloexec(&input) == 0 && sweep_pipe_cloexec(&output) == 0)
        toWorker = Descriptor(input[1])
        // The worker's input (input[0]) is never closed here: the worker reads it on a thread of
        // its own until end of input, which may outlive `serve()` (a drain) and this harness. Closing
        // it under that blocked read would hand its number to the next descriptor opened anywhere
        // in the test process, which the stale reader would then read from (another test's pipe).
        // Closing `toWorker` ends that thread; the read end, one per test, stays open.
        workerOutput = Descriptor(output[1])
        let fromWorker = Descriptor(output[0])
        let worker = Worker(
            options: .init(slots: slots, heartbeatInterval: heartbeat, runnerExecutable: "/bin/sh",
                           runnerArguments: ["-c", Self.runnerScript(pids: pidsFile)]),
            info: WorkerInfo(version: "test", binaryHash: "0", hostname: "h", cores: 1, slots: slots),
            input: input[0], output: workerOutput, clock: clock ?? MonotonicClock())
        if clock != nil {
            stepped = worker
            worker.start()
        } else {
            stepped = nil
            let served = served
            nonisolated(unsafe) let unsafeWorker = worker
            Thread.detachNewThread {
                unsafeWorker.serve()
                served.signal()
            }
        }
        let received = received, outputRead = output[0]
        Thread.detachNewThread {
            let reader = LineReader(fileDescriptor: outputRead)
            while let line = reader.readLine() {
                if let message = try? WorkerMessage(line: line) { received.messages.withLock { $0.append(message) } }
            }
            fromWorker.close()
        }
    }

    deinit {
        if let stepped, !stepped.isFinished { stepped.finish() }
        toWorker.close()
        workerOutput.close()
    }

    func send(_ message: CoordinatorMessage) {
        LineWriter(toWorker).write(message.line)
    }

    func run(_ job: Int64, value: String = "ok", timeout: Double? = nil) {
        send(.run(RunRequest(job: job, attempt: 1, workload: "sh", config: JobConfig(["value": .string(value)]), timeout: timeout)))
    }

    var messages: [WorkerMessage] { received.messages.withLock { $0 } }

    /// The `finished` results so far, by job.
    var results: [Int64: AttemptResult] {
        var results: [Int64: AttemptResult] = [:]
        for case .finished(let result) in messages { results[result.job] = result }
        return results
    }

    /// Waits up to `seconds` for `condition`.
    func wait(_ seconds: Double = 60, until condition: () -> Bool) -> Bool {
        let deadline = Date(timeIntervalSinceNow: seconds)
        while !condition() {
            if Date() > deadline { return false }
            Thread.sleep(forTimeInterval: 0.005)
        }
        return true
    }

    /// Closes the worker's input (the coordinator went away); true if `serve()` returned in time
    /// (a stepped worker: if it finished in time, and then `finish()`es it).
    func closeInput(within seconds: Double = 60) -> Bool {
        toWorker.close()
        guard let stepped else { return hasServed(within: seconds) }
        guard step(seconds, until: { stepped.isFinished }) else { return false }
        stepped.finish()
        return true
    }

    /// Steps the worker (`runPending()`: what its runners and input posted, and the timers the
    /// manual clock made due) until `condition` holds; real time only as a hang guard.
    func step(_ seconds: Double = 60, until condition: () -> Bool) -> Bool {
        guard let stepped else { preconditionFailure("step(until:) is for a worker made with a ManualClock") }
        let deadline = Date(timeIntervalSinceNow: seconds)
        while true {
            stepped.runPending()
            if condition() { return true }
            if Date() > deadline { return false }
            Thread.sleep(forTimeInterval: 0.002)
        }
    }

    /// The stderr lines of `job` the worker sent as `log`.
    func logs(of job: Int64) -> [String] {
        messages.compactMap { if case .log(job, _, let line) = $0 { line } else { nil } }
    }

    /// The jobs each heartbeat so far said were running.
    var heartbeats: [[Int64]] {
        messages.compactMap { if case .heartbeat(let running) = $0 { running } else { nil } }
    }

    func hasServed(within seconds: Double) -> Bool {
        served.wait(timeout: .now() + seconds) == .success
    }

    /// Runner pids that are still alive (not reaped).
    var liveRunners: [Int32] {
        let text = (try? String(contentsOfFile: pidsFile, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { Int32($0) }.filter { kill($0, 0) == 0 }
    }
}

/// What the worker wrote, shared with the reader thread.
private final class Inbox: Sendable {
    let messages = Mutex<[WorkerMessage]>([])
}
