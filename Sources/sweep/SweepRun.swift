#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Dispatch
import Foundation
import SweepCoordinator
import SweepRemote
import SweepRuntime
import SweepSearch
import SweepCore
import SweepGit
import SweepSpec
import SweepStore
import SweepTransport
import SweepWire

/// Launch, resume and retry: choose the transports, hand the plan to `Launcher`, print.
enum SweepRun {
    /// - Parameter say: where the lines for the user go (stdout; stderr when stdout is JSON).
    /// - Parameter checkout: the git commit of the spec's folder, kept with a new revision.
    static func launch(plan written: SweepPlan, databasePath: String, options: RunOptions, requeueFailed: Bool = false,
                       rerunStopped: Bool = false, retryJobs: [Int64] = [],
                       checkout: GitCheckout? = nil,
                       say: (String) -> Void = { print($0) }) throws {
        // A search goes on with the settings it began with (or is refused), before any write.
        let (plan, storedSettings) = try SearchContinuation.resolve(written, databasePath: databasePath)
        // Hosts are read before anything is written, so a bad host file changes nothing.
        let transports = try self.transports(for: plan, options: options)
        var coordinatorOptions = options.coordinatorOptions
        if let stop = plan.spec.stop, let objective = plan.spec.objective {
            coordinatorOptions.stopping = EarlyStopping(objective: objective, settings: stop)
        }
        coordinatorOptions.search = plan.search.map { search in
            var model = modelSearch(search)
            if let storedSettings {
                model.candidates = storedSettings.candidates
                model.priorWeight = storedSettings.priorWeight
            }
            return model
        }
        var launcher = Launcher(databasePath: databasePath, options: coordinatorOptions)
        launcher.requeueFailed = requeueFailed
        launcher.requeueStopped = rerunStopped
        launcher.requeueJobs = retryJobs
        let prepared = try launcher.prepare(Launcher.Plan(
            name: plan.spec.name, workload: plan.spec.workload.name, specPath: plan.spec.document.file,
            specText: plan.spec.document.text,
            jobs: plan.jobs.map { NewJob(key: $0.key, workload: $0.workload, config: $0.config) },
            checkout: checkout, search: plan.search?.identity))
        if let requeued = prepared.requeued { say("re-queued \(requeued) \(retryJobs.isEmpty ? "failed" : "named") jobs") }
        if prepared.settled.runToEnd > 0 {
            say("\(prepared.settled.runToEnd) jobs another sweep's stop rule ended will run to the end here "
                + "(this sweep has no stop rule; their stopped runs' metrics are kept)")
        }
        if let rerun = prepared.rerunStopped {
            say("re-queued \(rerun) jobs a stop rule had ended, to run to the end")
        } else if prepared.before.stopped > 0 {
            say("\(prepared.before.stopped) jobs stopped early by the stop rule are kept as they are; "
                + "launch with --rerun-stopped to run them to the end")
        }
        let registration = prepared.registration, before = prepared.before
        // `sweep dist (revision 2): 12 jobs: +4 new, 8 kept (6 done), 2 dropped`
        let toPropose = try prepared.trialsToPropose()
        var line = "sweep \(prepared.sweep.name) (revision \(registration.revision)): \(prepared.planned) jobs: \(registration.difference)"
        if let search = plan.search {
            let proposed = search.sample.count - toPropose
            line = "sweep \(prepared.sweep.name) (revision \(registration.revision)): \(search.sample.method.rawValue) search, "
                + "\(proposed) of \(search.sample.count) trials proposed"
            if let asWritten = written.search, asWritten.sample.multivariate != search.sample.multivariate {
                line += search.sample.multivariate ? "; parameters modelled jointly, as its trials were proposed"
                    : "; each parameter modelled on its own, as its trials were proposed"
            }
        }
        // Jobs a stopped coordinator left running, or that were cancelled, and are still in the sweep.
        if registration.recovered > 0 { line += "; \(registration.recovered) unfinished (interrupted or cancelled) will run again" }
        say(line)
        guard before.pending > 0 || toPropose > 0 else {
            summary(prepared, counts: before, outcome: nil).forEach(say)
            return
        }

        let events = EventQueue()
        let signals = interruptSources(posting: events)
        defer { withExtendedLifetime(signals) {} }
        let outcome = try prepared.run(
            on: transports, events: events,
            progress: ProgressLine(sweep: prepared.sweep.name, style: options.quiet ? .quiet : nil))
        summary(prepared, counts: outcome.counts, outcome: outcome).forEach(say)
        if outcome.interrupted { throw ExitCode(130) }
        if outcome.counts.failed > 0 || outcome.counts.pending > 0 { throw ExitCode.failure }
    }

    /// The coordinator's view of a spec's search: parameters as sampler dimensions.
    static func modelSearch(_ search: SearchPlan) -> ModelSearch {
        let parameters = search.sample.params.map { name, distribution -> ModelSearch.Parameter in
            switch distribution {
            case .uniform(let low, let high): ModelSearch.Parameter(name: name, dimension: .uniform(low: low, high: high))
            case .logUniform(let low, let high): ModelSearch.Parameter(name: name, dimension: .logUniform(low: low, high: high))
            case .intUniform(let low, let high): ModelSearch.Parameter(name: name, dimension: .intUniform(low: low, high: high))
            case .choice(let values): ModelSearch.Parameter(name: name, dimension: .choice(count: values.count), choices: values)
            }
        }
        return ModelSearch(parameters: parameters, template: search.template, workload: search.workload, version: search.version,
                           trials: search.sample.count, startup: search.sample.startup, seed: search.sample.seed,
                           objective: search.objective, stop: search.stop, multivariate: search.sample.multivariate)
    }

    /// The local worker (unless `--local-slots 0`) and every host's workers, as its kind starts them.
    private static func transports(for plan: SweepPlan, options: RunOptions) throws -> [any WorkerTransport] {
        let slots = options.localSlots ?? ProcessInfo.processInfo.activeProcessorCount
        var transports: [any WorkerTransport] = []
        if slots > 0 { transports.append(LocalTransport(executable: try SelfExecutable.path(), slots: slots, gpus: options.localGpus)) }
        let remote = try options.hostFiles()
        if !remote.isEmpty {
            let workload = plan.spec.workload
            let launch = HostLaunch(token: String(UUID().uuidString.prefix(8)).lowercased(), binary: try ShippedBinary.get(),
                                    dataFiles: { workload.dataFiles(for: $0.config) })
            for host in remote { transports += host.kind.transports(for: host, launch: launch) }
        }
        guard !transports.isEmpty else {
            throw ValidationError("no hosts to run on: --local-slots is 0 and no --hosts were given")
        }
        return transports
    }

    /// Ctrl-C, SIGTERM and SIGHUP (the terminal closed, or a service manager asking) become
    /// `.interrupt` events; the loop decides what they mean: the first drains, the second
    /// cancels, and the sweep stays resumable.
    private static func interruptSources(posting events: EventQueue) -> [any DispatchSourceSignal] {
        [SIGINT, SIGTERM, SIGHUP].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { events.post(.interrupt) }
            source.resume()
            return source
        }
    }

    /// The lines printed after a run (or instead of one, when nothing was pending).
    static func summary(_ prepared: Launcher.Prepared, counts: StateCounts, outcome: Coordinator.Outcome?) -> [String] {
        let sweep = prepared.sweep
        var text = "sweep \(sweep.name): \(counts.done) done, \(counts.failed) failed"
        if counts.stopped > 0 { text += ", \(counts.stopped) stopped early" }
        if counts.pending + counts.cancelled > 0 { text += ", \(counts.pending + counts.cancelled) not run" }
        if let outcome {
            text += " · ran \(outcome.finished) in \(ProgressLine.clock(outcome.elapsed.inSeconds))"
        }
        var lines = [text]
        if let trials = try? prepared.trialCount(), trials > 0 {
            // Failed trials are shown as such: the model left them out.
            lines.append("  search: \(trials) trials proposed" + (counts.failed > 0 ? "; \(counts.failed) failed, left out of the model" : ""))
        }
        for problem in outcome?.hostProblems ?? [] { lines.append("  " + TerminalText.oneLine(problem)) }
        if counts.failed > 0, let failed = try? prepared.failedJobs(limit: 10) {
            for job in failed.jobs {
                lines.append("  job \(job.id) failed: \(TerminalText.oneLine(job.error ?? "?", limit: 200)) (sweep logs \(job.id))")
            }
            if failed.total > 10 { lines.append("  … and \(failed.total - 10) more (sweep status \(sweep.name))") }
        }
        if counts.pending + counts.cancelled > 0 { lines.append("Resume with: sweep resume \(sweep.name)") }
        else if counts.failed > 0 { lines.append("Retry failed jobs with: sweep retry \(sweep.name) --failed") }
        return lines
    }
}

/// A failure the command line reports without a usage line, with its own exit status:
/// 1 for a failure at run time, 64 for an invalid spec (bad usage of `sweep` itself is
/// ArgumentParser's `ValidationError`, also 64).
struct CommandFailure: Error, CustomStringConvertible {
    var description: String
    var exitCode: Int32

    init(_ description: String, exitCode: Int32 = 1) {
        self.description = description
        self.exitCode = exitCode
    }

    /// The exit status of a spec that cannot be read, validated or expanded.
    static let invalidSpec: Int32 = 64
    /// The exit status of a job argument that names no job (bad usage, without a usage line).
    static let badJob: Int32 = 64
}

/// This process's executable, which the coordinator runs as the local worker and ships to hosts.
enum SelfExecutable {
    static func path() throws -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard n > 0 else { throw CommandFailure("cannot find this program's executable (/proc/self/exe)") }
        return String(decoding: buffer[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
