#if canImport(Glibc)
import Glibc
#endif
import CSweepShims
import SweepCore

/// How a child process ended.
public enum Termination: Sendable, Hashable, CustomStringConvertible {
    case exited(Int32)
    case signaled(Int32)

    public var description: String {
        switch self {
        case .exited(let code): return "exited with status \(code)"
        case .signaled(let signal): return "killed by signal \(signal) (\(Termination.signalName(signal)))"
        }
    }

    static func signalName(_ signal: Int32) -> String {
        switch signal {
        case SIGKILL: return "SIGKILL"
        case SIGABRT: return "SIGABRT"
        case SIGSEGV: return "SIGSEGV"
        case SIGILL: return "SIGILL"
        case SIGTRAP: return "SIGTRAP"
        case SIGTERM: return "SIGTERM"
        case SIGINT: return "SIGINT"
        case SIGBUS: return "SIGBUS"
        case SIGFPE: return "SIGFPE"
        default: return "signal \(signal)"
        }
    }
}

/// A child process connected by three pipes, in a process group of its own so that
/// killing it also kills anything it started. The protocol's local byte pipe.
public final class ChildProcess: @unchecked Sendable {
    // @unchecked: all stored properties are immutable; the pipes are used by one reader
    // thread each and `stdin` serialises writes.
    public let pid: pid_t
    /// Lines to the child's standard input.
    public let stdin: LineWriter
    public let stdinFD: Int32
    public let stdoutFD: Int32
    public let stderrFD: Int32

    private init(pid: pid_t, stdinFD: Int32, stdoutFD: Int32, stderrFD: Int32) {
        self.pid = pid
        self.stdinFD = stdinFD
        self.stdoutFD = stdoutFD
        self.stderrFD = stderrFD
        stdin = LineWriter(fileDescriptor: stdinFD)
    }

    /// Starts `executable` with `arguments` (argv[1...]) and the current environment.
    ///
    /// The child's descriptors 0, 1, 2 are pipes; every other descriptor is closed in it.
    /// The corresponding C function is `posix_spawn`.
    public static func spawn(executable: String, arguments: [String]) throws -> ChildProcess {
        var pipes: [Int32] = Array(repeating: -1, count: 6)
        for i in 0..<3 {
            guard pipes.withUnsafeMutableBufferPointer({ sweep_pipe_cloexec($0.baseAddress! + 2 * i) }) == 0 else {
                let code = errno
                for fd in pipes where fd >= 0 { close(fd) }
                throw FileError(path: "a pipe", operation: "create", errno: code)
            }
        }
        // pipes: [stdinRead, stdinWrite, stdoutRead, stdoutWrite, stderrRead, stderrWrite]
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pipes[0], 0)
        posix_spawn_file_actions_adddup2(&actions, pipes[3], 1)
        posix_spawn_file_actions_adddup2(&actions, pipes[5], 2)
        sweep_spawn_closefrom(&actions, 3)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setpgroup(&attributes, 0)
        // The child starts with default signal handling even where we ignore SIGPIPE/SIGINT.
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGINT, SIGTERM, SIGCHLD] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for arg in argv { free(arg) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        close(pipes[0])
        close(pipes[3])
        close(pipes[5])
        guard rc == 0 else {
            close(pipes[1]); close(pipes[2]); close(pipes[4])
            throw FileError(path: executable, operation: "start", errno: rc)
        }
        return ChildProcess(pid: pid, stdinFD: pipes[1], stdoutFD: pipes[2], stderrFD: pipes[4])
    }

    /// Closes the child's standard input, which tells a worker or runner to exit.
    public func closeStdin() {
        close(stdinFD)
    }

    /// Sends `signal` to the child's whole process group.
    public func killGroup(_ signal: Int32 = SIGKILL) {
        _ = Glibc.kill(-pid, signal)
    }

    /// Waits for the child to end and reaps it. Closes the output pipes' read ends, so
    /// call it after the readers have seen end of input.
    public func wait() -> Termination {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        close(stdoutFD)
        close(stderrFD)
        // WIFEXITED/WTERMSIG are macros Swift can't import.
        let signal = status & 0x7f
        return signal == 0 ? .exited((status >> 8) & 0xff) : .signaled(signal)
    }
}
