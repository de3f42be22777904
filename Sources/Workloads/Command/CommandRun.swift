#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization
import SweepCore
import SweepRuntime

/// One attempt at a command job: its folder (`work/` holding the files, `output/` for
/// `$SWEEP_OUTPUT`, `metrics.jsonl` for `$SWEEP_METRICS`), the program, and its output.
///
/// The program stays in the runner's process group, so the worker's kill of that group on
/// timeout, cancel or a lost coordinator takes it and everything it started. When it exits
/// by itself, whatever it left running in the group is killed before the attempt ends.
struct CommandRun {
    let config: JobConfig
    let key: String
    let attempt: Int
    let folder: String

    /// Output lines forwarded to the job's log as they come; later ones keep only a tail.
    static let forwardedLines = 1_000
    /// The stderr lines kept for the error of a failed attempt.
    static let stderrTailLines = 40
    /// The longest output line kept; the rest of a longer line is dropped.
    static let maxLineBytes = 64 << 10
    /// The most bytes of `$SWEEP_METRICS` read.
    static let maxMetricsFileBytes = 64 << 20

    init(config: JobConfig, key: String, attempt: Int) throws(JobFailure) {
        self.config = config
        self.key = key
        self.attempt = attempt
        let base = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array("\(base)/sweep-job-\(key.prefix(12))-a\(attempt)-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw JobFailure("command: cannot make a working folder in \(base): \(String(cString: strerror(errno)))")
        }
        folder = String(cString: made)
        for sub in ["work", "output"] { mkdir(folder + "/" + sub, 0o755) }
    }

    var workFolder: String { folder + "/work" }
    var outputFolder: String { folder + "/output" }
    var metricsFile: String { folder + "/metrics.jsonl" }

    func removeFolder() {
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// Runs `words` to its end and returns the summary, or throws the attempt's failure.
    func execute(_ words: [String], parseStdout: Bool, context: any JobContext) throws -> JSONValue {
        try CommandFiles.stage(CommandFiles.entries(of: config), into: workFolder, home: CommandFiles.home)
        let environment = self.environment()
        let executable = try Self.locate(words[0], path: environment.first { $0.hasPrefix("PATH=") }.map { String($0.dropFirst(5)) })
        let process: ChildProcess
        do {
            process = try ChildProcess.spawn(executable: executable, arguments: Array(words.dropFirst()),
                                             environment: environment, directory: workFolder, ownGroup: false)
        } catch {
            throw JobFailure("command: cannot start \(words[0]): \(error)")
        }
        process.closeStdin()
        let metricsFile = MetricsFileFollower(path: self.metricsFile, maxBytes: Self.maxMetricsFileBytes,
                                              maxLineBytes: Self.maxLineBytes, context: context)
        metricsFile.start()

        // Kills what the program left behind as soon as it exits, so that a child holding
        // its stdout open does not keep the attempt waiting.
        let reaped = DispatchSemaphore(value: 0)
        let pid = process.pid
        Thread.detachNewThread {
            var info = siginfo_t()
            while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) < 0 && errno == EINTR {}
            Self.killLeftovers(except: pid)
            reaped.signal()
        }
        let stderrTail = Mutex<[String]>([])
        let stderrDone = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            process.forEachLine(of: .stderr, maxLineBytes: Self.maxLineBytes) { line in
                stderrTail.withLock {
                    $0.append(line)
                    if $0.count > Self.stderrTailLines { $0.removeFirst($0.count - Self.stderrTailLines) }
                }
            }
            stderrDone.signal()
        }

        var parser = MetricLineParser { epoch, metrics in context.report(epoch: epoch, metrics: metrics) }
        var output = OutputTail(context: context)
        // Held metrics go out when the program pauses, so an epoch's are live before the next starts.
        let flushWhenIdle: (milliseconds: Int32, handler: () -> Void) = (200, { parser.flush() })
        process.forEachLine(of: .stdout, maxLineBytes: Self.maxLineBytes, idle: flushWhenIdle) { line in
            if parseStdout, parser.take(line[...]) { return }
            output.take(line)
        }
        stderrDone.wait()
        reaped.wait()
        let termination = process.wait()
        parser.flush()
        if metricsFile.stop() {
            context.log("command: only the first \(Self.maxMetricsFileBytes >> 20) MiB of $SWEEP_METRICS were read")
        }
        sendOutputFiles(context: context)
        output.finish()
        let tail = stderrTail.withLock { $0 }
        for line in tail { context.log("stderr: " + line) }
        // Last, so it is the end of the log: what looked like metrics and was not read.
        for notice in parser.unread.notices(source: "stdout") + metricsFile.unread.notices(source: "$SWEEP_METRICS") {
            context.log(notice)
        }

        switch termination {
        case .exited(0):
            return UnreadMetricLines.summary(["exit_status": 0, "epochs": .int(parser.epoch)], adding: [parser.unread, metricsFile.unread])
        case .exited(let status):
            let shown = tail.suffix(10).joined(separator: "\n")
            throw JobFailure("command exited with status \(status)" + (shown.isEmpty ? " (no stderr)" : "; stderr ends:\n" + shown))
        case .signaled(let signal):
            throw JobCrash("command was \(termination)", signal: signal)
        }
    }

    /// This process's environment with the job's variables.
    private func environment() -> [String] {
        var variables = ProcessInfo.processInfo.environment
        variables["SWEEP_CONFIG"] = config.nested.canonicalText
        variables["SWEEP_SEED"] = String(config.seed)
        variables["SWEEP_JOB"] = key
        variables["SWEEP_ATTEMPT"] = String(attempt)
        variables["SWEEP_OUTPUT"] = outputFolder
        variables["SWEEP_METRICS"] = metricsFile
        variables["PWD"] = workFolder
        return variables.map { "\($0.key)=\($0.value)" }
    }

    /// The program's path: a word with a slash as it is (relative to the working folder),
    /// else the first executable of that name in `PATH`.
    static func locate(_ program: String, path: String?) throws(JobFailure) -> String {
        if program.contains("/") { return program }
        let folders = (path ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":")
        for folder in folders where !folder.isEmpty {
            let candidate = folder + "/" + program
            if access(candidate, X_OK) == 0 { return candidate }
        }
        throw JobFailure("command: \(program) not found in PATH (\(folders.joined(separator: ":"))); "
            + "give its full path, or ./\(program) for one of the job's files")
    }

    /// Kills every other process of this process's group, when this process leads it (a job
    /// runner does; `sweep job` in a terminal does not, and must not kill its shell's job).
    static func killLeftovers(except program: pid_t) {
        let group = getpgrp()
        guard group == getpid() else { return }
        // A few rounds: a leftover may fork while the first round kills.
        for _ in 0..<10 {
            let members = processes(inGroup: group).filter { $0 != getpid() }
            if members.isEmpty { return }
            for member in members { kill(member, SIGKILL) }
            usleep(1_000)
        }
    }

    /// The live processes whose process group is `group`, from /proc.
    private static func processes(inGroup group: pid_t) -> [pid_t] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        return entries.compactMap { entry -> pid_t? in
            guard let pid = pid_t(entry),
                  let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return nil }
            // After "pid (comm)": state ppid pgrp ...; a zombie (Z) is dead already.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 2, fields[0] != "Z", pid_t(fields[2]) == group else { return nil }
            return pid
        }
    }

    /// Sends the regular files of `$SWEEP_OUTPUT` (links are not followed) to the
    /// coordinator's side, in chunks, up to `JobOutput`'s bounds; says what was left out.
    private func sendOutputFiles(context: any JobContext) {
        guard let walker = FileManager.default.enumerator(atPath: outputFolder) else { return }
        var (bytes, files, skipped) = (0, 0, 0)
        while let path = walker.nextObject() as? String {
            guard walker.fileAttributes?[.type] as? FileAttributeType == .typeRegular else { continue }
            let size = walker.fileAttributes?[.size] as? Int ?? 0
            guard JobOutput.isSafe(path), files < JobOutput.maxFiles, bytes + size <= JobOutput.maxBytes,
                  let handle = FileHandle(forReadingAtPath: outputFolder + "/" + path) else {
                skipped += 1
                continue
            }
            defer { try? handle.close() }
            files += 1
            var offset = 0
            repeat {
                let chunk = (try? handle.read(upToCount: min(JobOutput.chunkBytes, JobOutput.maxBytes - bytes))) ?? nil
                let data = [UInt8](chunk ?? Data())
                guard !data.isEmpty || offset == 0 else { break }
                context.output(path: path, offset: offset, bytes: data[...])
                offset += data.count
                bytes += data.count
                if data.isEmpty { break }
            } while bytes < JobOutput.maxBytes
        }
        if skipped > 0 {
            context.log("command: \(skipped) output files not returned (over \(JobOutput.maxFiles) files or \(JobOutput.maxBytes >> 20) MiB)")
        }
    }
}

/// A program's ordinary output lines: the first `CommandRun.forwardedLines` go to the
/// job's log at once, then only the last `CommandRun.stderrTailLines` are kept and logged
/// at the end, so a program printing a million lines costs bounded memory and log space.
private struct OutputTail {
    let context: any JobContext
    var forwarded = 0
    var skipped = 0
    var tail: [String] = []

    mutating func take(_ line: String) {
        if forwarded < CommandRun.forwardedLines {
            forwarded += 1
            context.log(line)
            return
        }
        skipped += 1
        tail.append(line)
        if tail.count > CommandRun.stderrTailLines { tail.removeFirst() }
    }

    func finish() {
        guard skipped > 0 else { return }
        context.log("… \(skipped - tail.count) more output lines not kept; the last \(tail.count):")
        for line in tail { context.log(line) }
    }
}
