/// The sweep binaries a host keeps, `~/.cache/sweep/bin/<sha256>/sweep`: one folder per build
/// that ever ran there. Without pruning it grows by a binary per rebuild (1.2 GB after a few
/// days of development on one machine), so each worker start marks its binary used and removes
/// the others beyond the `kept` most recently used, once they have been idle for `idleMinutes`.
/// The idle time protects what may still start from an older binary: another coordinator's
/// launch on the same host, a Slurm job still pending in the queue. A running worker is never
/// hurt (its binary stays open after the unlink), and a coordinator that reconnects to a host
/// whose copy was removed uploads it again.
enum BinaryCache {
    /// Binaries kept whatever their age, the one being started among them.
    static let kept = 3
    /// How long a binary beyond those must have gone unused before it is removed.
    static let idleMinutes = 60

    /// POSIX sh, run in the home folder: marks the binary `hash` used now (its mtime) and
    /// removes the other binaries as described above. A subshell, so a command after it still
    /// runs in the home folder. It prints nothing and always succeeds, so a cache that cannot
    /// be pruned (a read-only folder) never stops a worker. Only folders named by a SHA-256 and
    /// holding a `sweep` are touched, so an upload in progress (its folder has no `sweep` yet)
    /// and anything else a user keeps there are left alone.
    static func markUsedAndPruneScript(hash: String) -> String {
        precondition(hash.count == 64 && hash.allSatisfy { "0123456789abcdef".contains($0) }, "a SHA-256 in lowercase hex")
        return """
            (cd .cache/sweep/bin && touch -c -- \(hash)/sweep && \
            ls -t -- */sweep | tail -n +\(kept + 1) | while IFS= read -r f; do \
            d=${f%/sweep}; \
            case $d in *[!0-9a-f]*) continue ;; esac; \
            [ ${#d} -eq 64 ] || continue; \
            [ -z "$(find "$f" -mmin -\(idleMinutes))" ] || continue; \
            rm -rf -- "$d"; \
            done) >/dev/null 2>&1; true
            """
    }
}
