import CSweepShims
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The local command a connection goes through (`ProxyCommand`, or the `ssh -W` command libssh
/// makes of `ProxyJump`), started by the session itself rather than by libssh.
///
/// libssh would run it with the coordinator's stderr and terminal, so a failing jump printed
/// "Host key verification failed." somewhere on the terminal (or prompted on it) while the
/// connection failed with "Connection reset by peer". Here it runs in its own session (no
/// controlling terminal: it cannot prompt, and Ctrl-C meant for the coordinator does not cut
/// the connection), its stderr goes to an unlinked temporary file that error messages quote,
/// and libssh gets our end of a socket pair (`SSH_OPTIONS_FD`). Owned by one `SSHSession`,
/// used on its owner thread; `close()` kills and reaps it.
final class SSHProxyProcess {
    /// The command line as run by `/bin/sh -c`.
    let command: String
    /// Our end of the socket pair, handed to libssh, which closes it in `ssh_free`.
    let socket: Int32
    private let pid: pid_t
    private var reaped = false
    private var closed = false
    private let stderrFile: Int32

    /// Starts `/bin/sh -c command` with stdin and stdout connected to `socket`.
    init(command: String) throws {
        self.command = command
        var pair: [Int32] = [0, 0]
        // Close-on-exec: no other child started meanwhile may hold the connection open.
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else {
            throw Self.failure("socketpair", errno, command)
        }
        var template = Array("/tmp/sweep-proxy-XXXXXX".utf8CString)
        let file = mkstemp(&template)
        guard file >= 0 else {
            let code = errno
            Glibc.close(pair[0]); Glibc.close(pair[1])
            throw Self.failure("mkstemp", code, command)
        }
        unlink(template)
        _ = fcntl(file, F_SETFD, FD_CLOEXEC)
        socket = pair[0]
        stderrFile = file

        let words: [String] = ["/bin/sh", "-c", command]
        let argv = words.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var child: pid_t = 0
        let rc = sweep_spawn(&child, "/bin/sh", argv, nil, [pair[1], pair[1], file], nil, SWEEP_SPAWN_OWN_SESSION)
        Glibc.close(pair[1])
        guard rc == 0 else {
            Glibc.close(pair[0]); Glibc.close(file)
            throw Self.failure("posix_spawn", rc, command)
        }
        pid = child
    }

    /// The end of what the command wrote to stderr (at most 2 KiB), trimmed. Waits up to
    /// `grace` for the command to exit first, since a failing connection is usually noticed
    /// by libssh a moment before the command has said why.
    func stderrTail(grace: Duration = .milliseconds(500)) -> String {
        let deadline = ContinuousClock.now + grace
        while !reaped, !closed {
            if waitpid(pid, nil, WNOHANG) != 0 {
                reaped = true
            } else if ContinuousClock.now < deadline {
                usleep(10_000)
            } else {
                break
            }
        }
        let size = lseek(stderrFile, 0, SEEK_END)
        guard size > 0 else { return "" }
        let count = min(Int(size), 2048)
        var bytes = [UInt8](repeating: 0, count: count)
        let read = pread(stderrFile, &bytes, count, off_t(Int(size) - count))
        guard read > 0 else { return "" }
        return String(decoding: bytes[..<read], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Kills the command (SIGTERM to its process group) and reaps it. Calling it again does nothing.
    func close() {
        guard !closed else { return }
        closed = true
        if !reaped {
            // The command leads its own process group (setsid): end whatever it started too.
            kill(-pid, SIGTERM)
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            reaped = true
        }
        Glibc.close(stderrFile)
    }

    deinit {
        assert(closed, "leak of running SSHProxyProcess: call close()")
    }

    private static func failure(_ function: String, _ code: Int32, _ command: String) -> SSHError {
        SSHError(kind: .configuration, function: function, code: code,
                 message: "cannot start the proxy command '\(command)': \(String(cString: strerror(code)))", host: command)
    }
}
