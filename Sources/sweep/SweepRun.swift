#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Dispatch
import Foundation
import SweepCoordinator
import SweepRemote
import SweepCore
import SweepSpec
import SweepStore
import SweepWire

/// Launch, resume and retry all come down to this: record the plan, then run what is pending.
enum SweepRun {
    static func launch(plan: SweepPlan, databasePath: String, options: RunOptions, requeueFailed: Bool = false) throws {
        // Hosts are read before anything is written, so a bad host file changes nothing.
        let slots = options.localSlots ?? ProcessInfo.processInfo.activeProcessorCount
        var transports: [any WorkerTransport] = []
        if slots > 0 { transports.append(LocalTransport(executable: try SelfExecutable.path(), slots: slots)) }
        let remote = try options.hostFiles()
        if !remote.isEmpty {
            let binary = try ShippedBinary.get()
            let workload = plan.spec.workload
            transports += remote.map {
                SSHTransport(host: $0, binary: binary, dataFiles: { workload.dataFiles(for: $0.config) }) as any WorkerTransport
            }
        }
        guard !transports.isEmpty else {
            throw ValidationError("no hosts to run on: --local-slots is 0 and no --hosts were given")
        }
        let store: Store
        do {
            store = try Store(path: databasePath, coordinating: plan.spec.name)
        } catch {
            guard error.kind == .locked else { throw error }
            // Another coordinator runs on this database: nothing to fix, only to wait (EX_TEMPFAIL).
            FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
            throw ExitCode(75)
        }
        let registration = try store.register(
            name: plan.spec.name, workload: plan.spec.workload.name, specPath: plan.spec.document.file,
            specText: plan.spec.document.text,
            jobs: plan.jobs.map { NewJob(key: $0.key, workload: $0.workload, config: $0.config) })
        let sweep = registration.sweep
        FaultInjection.pass("registered")
        if requeueFailed {
            print("re-queued \(try store.requeueFailed(sweep: sweep.id)) failed jobs")
        }
        let before = try store.counts(of: sweep.id)
        var line = "sweep \(sweep.name): \(plan.jobs.count) jobs (\(registration.added) new, \(before.done) already done"
        if registration.recovered > 0 { line += ", \(registration.recovered) interrupted ones re-queued" }
        print(line + ")")
        guard before.pending > 0 else {
            printSummary(sweep: sweep, counts: before, outcome: nil, store: store)
            return
        }

        let events = EventQueue()
        let signals = interruptSources(posting: events)
        defer { withExtendedLifetime(signals) {} }
        let coordinator = Coordinator(
            store: store, sweep: sweep, transports: transports, events: events, options: options.coordinatorOptions,
            progress: ProgressLine(sweep: sweep.name, style: options.quiet ? .quiet : nil))
        let outcome = try coordinator.run()
        printSummary(sweep: sweep, counts: outcome.counts, outcome: outcome, store: store)
        if outcome.interrupted { throw ExitCode(130) }
        if outcome.counts.failed > 0 || outcome.counts.pending > 0 { throw ExitCode.failure }
    }

    /// Ctrl-C and SIGTERM become `.interrupt` events; the loop decides what they mean.
    private static func interruptSources(posting events: EventQueue) -> [any DispatchSourceSignal] {
        [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { events.post(.interrupt) }
            source.resume()
            return source
        }
    }

    static func printSummary(sweep: SweepInfo, counts: StateCounts, outcome: Coordinator.Outcome?, store: Store) {
        var text = "sweep \(sweep.name): \(counts.done) done, \(counts.failed) failed"
        if counts.pending + counts.cancelled > 0 { text += ", \(counts.pending + counts.cancelled) not run" }
        if let outcome {
            text += " · ran \(outcome.finished) in \(ProgressLine.clock(outcome.elapsed))"
        }
        print(text)
        for problem in outcome?.hostProblems ?? [] { print("  \(problem)") }
        if counts.failed > 0, let failed = try? store.jobs(of: sweep.id, states: [.failed]) {
            for job in failed.prefix(10) {
                print("  job \(job.id) failed: \(job.error ?? "?") (sweep logs \(job.id))")
            }
            if failed.count > 10 { print("  … and \(failed.count - 10) more (sweep status \(sweep.name))") }
        }
        if counts.pending + counts.cancelled > 0 { print("Resume with: sweep resume \(sweep.name)") }
        else if counts.failed > 0 { print("Retry failed jobs with: sweep retry \(sweep.name) --failed") }
    }
}

/// This process's executable, which the coordinator runs as the local worker and ships to hosts.
enum SelfExecutable {
    static func path() throws -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard n > 0 else { throw ValidationError("cannot find this program's executable (/proc/self/exe)") }
        return String(decoding: buffer[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
