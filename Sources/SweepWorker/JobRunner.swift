#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization
import SweepCore
import SweepRuntime
import SweepWire

/// The job-runner process (`sweep job --stdio`): runs the jobs its worker sends, one at
/// a time, and reports over its standard output with the wire protocol.
///
/// One runner serves many jobs in turn, so a zero-length job costs a message round trip
/// instead of a process start; per-process caches (data sets) are shared between them.
/// The worker kills a runner to cancel its job and starts a new one when a runner dies.
/// Set by SIGTERM (`JobRunner.requestStop()`), which the worker sends when the sweep's stop
/// rule ends the job: the workload sees it as `JobContext.shouldStop`.
private let stopRequested = Atomic<Bool>(false)

public final class JobRunner {
    private let workloads: [any Workload.Type]
    private let stderrMark: StderrMark?

    /// - Parameter stderrMark: the worker's mark, written on stderr as each job starts; nil
    ///   when no worker gave one.
    public init(workloads: [any Workload.Type], stderrMark: StderrMark? = nil) {
        self.workloads = workloads
        self.stderrMark = stderrMark
    }

    /// Tells the running job to stop (`JobContext.shouldStop`): a lock-free store, so the
    /// process's SIGTERM handler may call it. A stopped job ends at its next epoch and
    /// reports; its program (in this group) got the SIGTERM itself. The worker kills the
    /// group if that takes longer than its grace.
    public static func requestStop() {
        stopRequested.store(true, ordering: .relaxed)
    }

    /// Serves until standard input (descriptor 0) closes, then kills its process group
    /// (itself and the job's program) when it leads one, else calls `inputClosed` at once,
    /// from the reader thread, even mid-job: a runner whose worker is gone must not keep
    /// burning the host, so the caller ends the process there (`_exit(0)`).
    /// - Parameter output: where the protocol's lines go (the process's real stdout; the
    ///   caller points descriptor 1 at stderr, so what a workload prints stays off it).
    public func serve(output protocolOutput: Descriptor, inputClosed: @escaping @Sendable () -> Never) -> Never {
        let output = LineWriter(protocolOutput)
        let requests = LoopQueue<RunRequest>()

        Thread.detachNewThread {
            let input = LineReader(fileDescriptor: 0)
            while let line = input.readLine() {
                guard !line.isEmpty else { continue }
                switch Result(catching: { () throws(WireError) in try CoordinatorMessage(line: line) }) {
                case .success(.run(let request)): requests.post(request)
                case .success: break  // cancel and drain are the worker's business
                case .failure(let error): FileHandle.standardError.write(Data("sweep job: \(error)\n".utf8))
                }
            }
            // The job's program is in this group (its guard then kills what the program
            // started); a runner outside a group of its own (a test's) only exits.
            if getpgrp() == getpid() { kill(0, SIGKILL) }
            inputClosed()
        }

        // Jobs run on this (the main) thread, one at a time, in the order they came.
        while true {
            guard let request = requests.next(timeout: nil) else { continue }
            if let stderrMark {
                // Before anything of this job reaches stderr (the job runs on this thread, and
                // its program starts later): every earlier line there is the previous job's,
                // including what the previous job printed (stdout is stderr here, buffered).
                fflush(nil)
                FileHandle.standardError.write(Data((stderrMark.line(for: .init(job: request.job, attempt: request.attempt)) + "\n").utf8))
            }
            output.write(WorkerMessage.started(job: request.job, attempt: request.attempt).line)
            output.write(WorkerMessage.finished(run(request, output: output)).line)
        }
    }

    func run(_ request: RunRequest, output: LineWriter) -> AttemptResult {
        guard let workload = workloads.first(where: { $0.name == request.workload }) else {
            return AttemptResult(job: request.job, attempt: request.attempt, status: .failed,
                                 error: "this worker's binary has no workload \"\(request.workload)\"")
        }
        let context = RunnerContext(request: request, output: output)
        do {
            let summary = try workload.run(request.config, context: context)
            return AttemptResult(job: request.job, attempt: request.attempt, status: .ok, summary: summary)
        } catch let crash as JobCrash {
            return AttemptResult(job: request.job, attempt: request.attempt, status: .failed, error: crash.message, signal: crash.signal)
        } catch {
            return AttemptResult(job: request.job, attempt: request.attempt, status: .failed, error: "\(error)", reportedByJob: true)
        }
    }
}

/// Forwards a running job's metrics and log lines to the worker.
private final class RunnerContext: JobContext {
    let request: RunRequest
    let output: LineWriter

    init(request: RunRequest, output: LineWriter) {
        self.request = request
        self.output = output
    }

    func report(epoch: Int, metrics: [String: Double]) {
        output.write(WorkerMessage.metric(job: request.job, attempt: request.attempt, epoch: epoch, values: metrics).line)
    }

    func log(_ message: String) {
        output.write(WorkerMessage.log(job: request.job, attempt: request.attempt, line: message).line)
    }

    var attempt: Int { request.attempt }

    var shouldStop: Bool { stopRequested.load(ordering: .relaxed) }

    func output(path: String, offset: Int, bytes: ArraySlice<UInt8>) {
        output.write(WorkerMessage.output(job: request.job, attempt: request.attempt, path: path, offset: offset, bytes: Array(bytes)).line)
    }
}
