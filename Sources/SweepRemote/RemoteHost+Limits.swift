import Foundation
import SweepSSH

/// What stops a host that logs in fine from running the worker, found before it would show
/// as a stalled upload ("Remote channel is closed") or a meaningless "architecture ?": an
/// account whose shell runs nothing, a full disk, a cache on a `noexec` file system.
extension RemoteHost {
    /// Text a host (or its Slurm) printed, as one line for a message: control characters
    /// (terminal escapes, newlines) become "?", at most `limit` characters.
    static func printable(_ text: some StringProtocol, limit: Int = 300) -> String {
        let scalars = text.trimmingCharacters(in: .whitespacesAndNewlines).unicodeScalars.prefix(limit)
        return String(String.UnicodeScalarView(scalars.map { CharacterSet.controlCharacters.contains($0) ? "?" : $0 }))
    }

    /// Printed first by every fact-finding command: an account whose login shell is
    /// /bin/false or nologin runs no command at all, and prints nothing.
    static let shellMarker = "sweep-shell-ok"

    /// - Throws: `RemoteHostError` (permanent) when the command that should have printed
    ///   `shellMarker` did not: the account's login shell cannot run commands.
    static func requireShell(_ result: SSHCommandResult, name: String) throws {
        guard !result.stdoutText.split(separator: "\n").contains(Substring(shellMarker)) else { return }
        let said = printable(result.stderrText.split(whereSeparator: \.isNewline).joined(separator: " "), limit: 200)
        throw RemoteHostError(host: name, message:
            "cannot run commands: its account's login shell ran `echo` and printed nothing (exit status \(result.exitStatus)"
            + (said.isEmpty ? "" : ": \(said)") + "). The shell is probably /bin/false or nologin: give the account a "
            + "shell (on the host: chsh -s /bin/sh USER, or ask its admin), or log in as another account")
    }

    /// POSIX sh: the KiB free in the file system that holds `path` (relative to the home),
    /// or in its nearest existing parent folder.
    static func freeSpaceScript(_ path: String) -> String {
        "d=\(shellQuoted(path)); while [ ! -d \"$d\" ]; do d=$(dirname \"$d\"); done; df -Pk \"$d\" | awk 'NR==2 {print $4}'"
    }

    /// Checks that `bytes` fit in the folder of `path` (relative to the home) before they are
    /// uploaded: a full disk otherwise stalls the upload and ends in an unrelated SSH error.
    /// A host whose `df` says nothing usable is not checked.
    /// - Throws: `RemoteHostError` (permanent) naming what is needed, where, and what is free.
    static func requireSpace(_ bytes: Int64, for path: String, on session: SSHSession, name: String) async throws {
        let folder = path.split(separator: "/").dropLast().joined(separator: "/")
        let answer = try await session.run(freeSpaceScript(folder))
        guard let free = Int64(answer.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)) else { return }
        // Room for the file and a margin for the folders and the rename.
        guard free * 1024 < bytes + 1 << 20 else { return }
        let mb = { (bytes: Int64) in (bytes + (1 << 20) - 1) >> 20 }
        throw RemoteHostError(host: name, message:
            "has no space left on \(name) (needs \(mb(bytes + 1 << 20)) MB in ~/\(folder), \(free / 1024) MB free): "
            + "free some space there, or make ~/.cache/sweep a symbolic link to a folder on a disk with room")
    }

    /// Why the binary at `path` (relative to the home) cannot run although it is there: the
    /// file system holding it is mounted `noexec`. Nil when it is not that.
    static func noexecProblem(_ path: String, on session: SSHSession) async -> String? {
        let script = "m=$(df -P \(shellQuoted(path)) | awk 'NR==2 {print $6}'); echo \"$m\"; "
            + "awk -v m=\"$m\" '$2 == m {print $4}' /proc/mounts | tail -n 1"
        guard let answer = try? await session.run(script) else { return nil }
        let lines = answer.stdoutText.split(separator: "\n").map(String.init)
        guard lines.count == 2, lines[1].split(separator: ",").contains("noexec") else { return nil }
        let mount = printable(lines[0], limit: 200)
        return "cannot run ~/\(path): its file system (\(mount)) is mounted noexec, so no program runs from "
            + "~/.cache/sweep there. Make ~/.cache/sweep a symbolic link to a folder on a file system that allows "
            + "programs (ln -s /scratch/$USER/sweep-cache ~/.cache/sweep), or ask for \(mount) without noexec"
    }
}
