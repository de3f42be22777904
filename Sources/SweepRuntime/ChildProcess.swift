#if canImport(Glibc)
import Glibc
#endif
import CSweepShims
import SweepCore

/// A child process connected by three pipes, in a process group of its own so that
/// killing it also kills anything it started.
///
/// It owns the pipes' descriptors and never hands them out: `stdin` writes lines,
/// `lines(of:)` reads them, `closeStdin()` and `wait()` close them, each once. A
/// `ChildProcess` dropped before `wait()` leaks a zombie and descriptors, which
/// `deinit` asserts (like SwiftNIO's `BaseSocket`).
public final class ChildProcess: Sendable {
    /// Which output pipe to read.
    public enum Output: Sendable {
        case stdout, stderr
    }

    public let pid: pid_t
    /// Whether `pid` is a guard's (`spawn(guarded:)`).
    private let guarded: Bool
    /// Lines to the child's standard input.
    public let stdin: LineWriter
    private let stdinPipe: Descriptor
    private let stdoutPipe: Descriptor
    private let stderrPipe: Descriptor

    private init(pid: pid_t, guarded: Bool, stdinFD: Int32, stdoutFD: Int32, stderrFD: Int32) {
        self.pid = pid
        self.guarded = guarded
        stdinPipe = Descriptor(stdinFD)
        stdoutPipe = Descriptor(stdoutFD)
        stderrPipe = Descriptor(stderrFD)
        stdin = LineWriter(stdinPipe)
    }

    deinit {
        assert(isClosed, "leak of a ChildProcess (pid \(pid)): wait() was never called")
    }

    /// Whether every pipe is closed (after `wait()`).
    public var isClosed: Bool { stdinPipe.isClosed && stdoutPipe.isClosed && stderrPipe.isClosed }

    /// Starts `executable` with `arguments` (argv[1...]) and the current environment.
    ///
    /// The child's descriptors 0, 1, 2 are pipes; every other descriptor is closed in it.
    /// The corresponding C function is `posix_spawn`.
    /// - Parameters:
    ///   - environment: `NAME=value` entries instead of this process's environment.
    ///   - directory: the child's working directory instead of this process's.
    ///   - ownGroup: false keeps the child in this process's group (a job runner's program,
    ///     so that killing the runner's group kills it too).
    ///   - guarded: run the program under a guard (`sweep_spawn_guarded`), whose pid this is:
    ///     when the program ends, by itself or killed with this process's group, the guard
    ///     kills whatever it left running, even what left the group or session (a daemon,
    ///     `setsid`), then ends as the program did. Needs `ownGroup` false.
    public static func spawn(executable: String, arguments: [String], environment: [String]? = nil,
                             directory: String? = nil, ownGroup: Bool = true, guarded: Bool = false) throws -> ChildProcess {
        precondition(!(guarded && ownGroup), "a guarded program stays in the caller's process group")
        var pipes: [Int32] = Array(repeating: -1, count: 6)
        for i in 0..<3 {
            guard pipes.withUnsafeMutableBufferPointer({ sweep_pipe_cloexec($0.baseAddress! + 2 * i) }) == 0 else {
                let code = errno
                for fd in pipes where fd >= 0 { close(fd) }
                throw FileError(path: "a pipe", operation: "create", errno: code)
            }
        }
        // pipes: [stdinRead, stdinWrite, stdoutRead, stdoutWrite, stderrRead, stderrWrite]
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for arg in argv { free(arg) } }
        let envp = environment.map { $0.map { strdup($0) } + [nil] }
        defer { for entry in envp ?? [] { free(entry) } }
        let fds = [pipes[0], pipes[3], pipes[5]]
        let group = ownGroup ? SWEEP_SPAWN_OWN_GROUP : SWEEP_SPAWN_SAME_GROUP
        var pid: pid_t = 0
        let rc = switch (envp, guarded) {
        case (let envp?, false): sweep_spawn(&pid, executable, argv, envp, fds, directory, group)
        case (nil, false): sweep_spawn(&pid, executable, argv, nil, fds, directory, group)
        case (let envp?, true): sweep_spawn_guarded(&pid, executable, argv, envp, fds, directory)
        case (nil, true): sweep_spawn_guarded(&pid, executable, argv, nil, fds, directory)
        }
        close(pipes[0])
        close(pipes[3])
        close(pipes[5])
        guard rc == 0 else {
            close(pipes[1]); close(pipes[2]); close(pipes[4])
            throw FileError(path: executable, operation: "start", errno: rc)
        }
        return ChildProcess(pid: pid, guarded: guarded, stdinFD: pipes[1], stdoutFD: pipes[2], stderrFD: pipes[4])
    }

    /// Reads one output pipe line by line until the child closes it; call from one thread
    /// per pipe, before `wait()`. A line longer than `maxLineBytes` is cut there; `idle` is
    /// called whenever the pipe stayed silent for its time, and false stops the reading.
    public func forEachLine(of output: Output, maxLineBytes: Int = .max,
                            idle: (milliseconds: Int32, handler: () -> Bool)? = nil, _ body: (String) -> Void) {
        guard let fd = (output == .stdout ? stdoutPipe : stderrPipe).forReading else { return }
        let reader = LineReader(fileDescriptor: fd, maxLineBytes: maxLineBytes, idle: idle)
        while let line = reader.readLine() { body(line) }
    }

    /// Closes the child's standard input, which tells a worker or runner to exit.
    public func closeStdin() {
        stdinPipe.close()
    }

    /// Sends `signal` to the child's whole process group. The C function is `kill(-pid)`.
    /// A guarded program is not in the guard's group: the guard is sent SIGTERM instead,
    /// on which it kills the program (SIGKILL) and then everything the program started.
    public func killGroup(_ signal: Int32 = SIGKILL) {
        _ = guarded ? Glibc.kill(pid, SIGTERM) : Glibc.kill(-pid, signal)
    }

    /// Waits for the child to end, reaps it and closes every pipe. Call it after the
    /// readers have seen end of input. The corresponding C function is `waitpid`.
    public func wait() -> Termination {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        stdinPipe.close()
        stdoutPipe.close()
        stderrPipe.close()
        // WIFEXITED/WTERMSIG are macros Swift can't import.
        let signal = status & 0x7f
        return signal == 0 ? .exited((status >> 8) & 0xff) : .signaled(signal)
    }
}
