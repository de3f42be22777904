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
/// timeout, cancel or a lost coordinator takes it. It runs under a guard (a subreaper, see
/// `ChildProcess.spawn(guarded:)`) that then kills everything it started, even what left
/// the group (`setsid`), so a leftover can neither run on nor hold its stdout open.
struct CommandRun {
    let config: JobConfig
    let key: String
    let attempt: Int
    let jobFolder: JobFolder
    var folder: String { jobFolder.path }

    /// Output lines forwarded to the job's log as they come, at most `logHeadBytes` of
    /// them; later ones keep only a tail of `stderrTailLines` lines and `logTailBytes`.
    /// So the log keeps at most 1 MiB of stdout and 512 KiB of stderr per attempt.
    static let forwardedLines = 1_000
    static let logHeadBytes = 512 << 10
    static let logTailBytes = 512 << 10
    /// The stderr lines kept for the log and the error of a failed attempt.
    static let stderrTailLines = 40
    /// The most characters of stderr's end quoted in a failed attempt's error.
    static let errorStderrCharacters = 2_000
    /// The longest output line kept; the rest of a longer line is dropped.
    static let maxLineBytes = 64 << 10
    /// The most bytes of `$SWEEP_METRICS` read.
    static let maxMetricsFileBytes = 64 << 20
    /// The largest config passed in `$SWEEP_CONFIG`, well under the kernel's 128 KiB per
    /// environment string (MAX_ARG_STRLEN); a larger one is only in `$SWEEP_CONFIG_FILE`.
    static let maxConfigVariableBytes = 64 << 10
    /// How long the program's pipes are still read, while quiet, after its guard ended.
    static let readingGrace: Duration = .seconds(2)

    init(config: JobConfig, key: String, attempt: Int) throws(JobFailure) {
        self.config = config
        self.key = key
        self.attempt = attempt
        do {
            jobFolder = try JobFolder(label: "\(key.prefix(12))-a\(attempt)")
        } catch {
            throw JobFailure("command: \(error)")
        }
        for sub in ["work", "output"] { mkdir(jobFolder.path + "/" + sub, 0o755) }
    }

    var workFolder: String { folder + "/work" }
    var outputFolder: String { folder + "/output" }
    var metricsFile: String { folder + "/metrics.jsonl" }
    var configFile: String { folder + "/config.json" }

    /// Removes the folder; a runner killed before it could is cleaned up after by its
    /// worker (`JobFolder.removeAbandoned`).
    func removeFolder() {
        jobFolder.remove()
    }

    /// Runs `words` to its end and returns the summary, or throws the attempt's failure.
    func execute(_ words: [String], parseStdout: Bool, context: any JobContext) throws -> JSONValue {
        try CommandFiles.stage(CommandFiles.entries(of: config), into: workFolder, home: CommandFiles.home)
        let configText = config.nested.canonicalText
        do {
            try Data(configText.utf8).write(to: URL(fileURLWithPath: configFile))
        } catch {
            throw JobFailure("command: cannot write \(configFile): \(error.localizedDescription)")
        }
        let inVariable = configText.utf8.count <= Self.maxConfigVariableBytes
        if !inVariable {
            context.log("command: the config is \(configText.utf8.count >> 10) KiB, more than $SWEEP_CONFIG takes "
                + "(\(Self.maxConfigVariableBytes >> 10) KiB): it is only in $SWEEP_CONFIG_FILE")
        }
        let environment = self.environment(configText: inVariable ? configText : nil)
        if let problem = CommandLimits.problem(words: words, environment: environment) { throw JobFailure("command: " + problem) }
        let executable = try Self.locate(words[0], path: environment.first { $0.hasPrefix("PATH=") }.map { String($0.dropFirst(5)) })
        let process: ChildProcess
        do {
            process = try ChildProcess.spawn(executable: executable, arguments: Array(words.dropFirst()),
                                             environment: environment, directory: workFolder, ownGroup: false, guarded: true)
        } catch let error as FileError {
            throw JobFailure("command: cannot start \(words[0]): \(String(cString: strerror(error.errno)))")
        } catch {
            throw JobFailure("command: \(error)")
        }
        process.closeStdin()
        let metricsFile = MetricsFileFollower(path: self.metricsFile, maxBytes: Self.maxMetricsFileBytes,
                                              maxLineBytes: Self.maxLineBytes, context: context)
        metricsFile.start()

        // The guard kills every process it can before it ends; a pipe still open after that
        // is held by one it cannot reach (a descriptor passed over a socket): its output is
        // read while it comes, and no longer waited for once the pipe is quiet.
        let guardEnded = Mutex<ContinuousClock.Instant?>(nil)
        let guardSeen = DispatchSemaphore(value: 0)
        let guardPID = process.pid
        Thread.detachNewThread {
            var info = siginfo_t()
            while waitid(P_PID, id_t(guardPID), &info, WEXITED | WNOWAIT) < 0 && errno == EINTR {}
            guardEnded.withLock { $0 = .now }
            guardSeen.signal()
        }
        let keepReading: @Sendable () -> Bool = { guardEnded.withLock { $0.map { .now - $0 < Self.readingGrace } ?? true } }
        let stderrTail = Mutex(LineTail(maxLines: Self.stderrTailLines, maxBytes: Self.logTailBytes))
        let stderrDone = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            process.forEachLine(of: .stderr, maxLineBytes: Self.maxLineBytes, idle: (200, keepReading)) { line in
                stderrTail.withLock { $0.append(line) }
            }
            stderrDone.signal()
        }

        var parser = MetricLineParser(report: { epoch, metrics in context.report(epoch: epoch, metrics: metrics) },
                                      dropping: { context.log(MetricLineParser.droppedNames(epoch: $0, from: "stdout")) })
        var output = OutputTail(context: context)
        // Held metrics go out when the program pauses, so an epoch's are live before the next starts.
        let flushWhenIdle: (milliseconds: Int32, handler: () -> Bool) = (200, {
            parser.flush()
            return keepReading()
        })
        process.forEachLine(of: .stdout, maxLineBytes: Self.maxLineBytes, idle: flushWhenIdle) { line in
            if parseStdout, parser.take(line[...]) { return }
            output.take(line)
        }
        stderrDone.wait()
        guardSeen.wait()
        let termination = process.wait()
        parser.flush()
        if metricsFile.stop() {
            context.log("command: only the first \(Self.maxMetricsFileBytes >> 20) MiB of $SWEEP_METRICS were read")
        }
        if let kind = metricsFile.refused {
            context.log("command: $SWEEP_METRICS is \(kind), not a regular file: it was not read")
        }
        sendOutputFiles(context: context)
        output.finish()
        let stderr = stderrTail.withLock { $0 }
        if stderr.droppedLines > 0 {
            context.log("stderr: … \(stderr.droppedLines) earlier lines (\(LineTail.size(stderr.droppedBytes))) not kept; the last \(stderr.lines.count):")
        }
        let tail = stderr.lines
        for line in tail { context.log("stderr: " + line) }
        // Last, so it is the end of the log: what looked like metrics and was not read.
        for notice in parser.unread.notices(source: "stdout") + metricsFile.unread.notices(source: "$SWEEP_METRICS") {
            context.log(notice)
        }

        switch termination {
        case .exited(0):
            return UnreadMetricLines.summary(["exit_status": 0, "epochs": .int(parser.epoch)], adding: [parser.unread, metricsFile.unread])
        case .exited(let status):
            var shown = tail.suffix(10).joined(separator: "\n")
            if shown.count > Self.errorStderrCharacters { shown = "…" + shown.suffix(Self.errorStderrCharacters - 1) }
            throw JobFailure("command exited with status \(status)" + (shown.isEmpty ? " (no stderr)" : "; stderr ends:\n" + shown))
        case .signaled(let signal):
            throw JobCrash("command was \(termination)", signal: signal)
        }
    }

    /// This process's environment with the job's variables; `configText` nil leaves
    /// `$SWEEP_CONFIG` out (a config too large for it).
    private func environment(configText: String?) -> [String] {
        var variables = ProcessInfo.processInfo.environment
        variables["SWEEP_CONFIG"] = configText
        variables["SWEEP_CONFIG_FILE"] = configFile
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

/// A program's ordinary output lines: the first `CommandRun.forwardedLines` (at most
/// `CommandRun.logHeadBytes`) go to the job's log at once, then only a `LineTail` is kept
/// and logged at the end, after a marker saying how much was dropped.
private struct OutputTail {
    let context: any JobContext
    var forwarded = 0
    var forwardedBytes = 0
    var headFull = false
    var tail = LineTail(maxLines: CommandRun.stderrTailLines, maxBytes: CommandRun.logTailBytes)

    mutating func take(_ line: String) {
        let size = line.utf8.count + 1
        if !headFull, forwarded < CommandRun.forwardedLines, forwardedBytes + size <= CommandRun.logHeadBytes {
            forwarded += 1
            forwardedBytes += size
            context.log(line)
            return
        }
        headFull = true
        tail.append(line)
    }

    func finish() {
        guard !tail.lines.isEmpty else { return }
        if tail.droppedLines > 0 {
            context.log("… \(tail.droppedLines) more output lines (\(LineTail.size(tail.droppedBytes))) not kept: the log keeps "
                + "the first \(CommandRun.forwardedLines) lines or \(CommandRun.logHeadBytes >> 10) KiB and the last "
                + "\(CommandRun.stderrTailLines) lines or \(CommandRun.logTailBytes >> 10) KiB; the last \(tail.lines.count):")
        }
        for line in tail.lines { context.log(line) }
    }
}
