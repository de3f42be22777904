#if canImport(Glibc)
import Glibc
#endif
import Foundation
import SweepCore

/// Writes the output files workers send (`WorkerMessage.output`) under `root`, one folder
/// per job and attempt, holding every attempt to `JobOutput`'s bounds whatever the worker
/// sends. Used from the coordinator's loop only.
final class OutputWriter {
    let root: String
    /// What an attempt has written so far.
    private struct Usage {
        var attempt: Int
        var bytes = 0
        var files: Set<String> = []
    }

    /// By job: its latest attempt's usage.
    private var used: [Int64: Usage] = [:]

    init(root: String) {
        self.root = root
    }

    /// Writes one chunk; returns why it was dropped, if it was (said once per attempt).
    func write(job: Int64, attempt: Int, path: String, offset: Int, bytes: [UInt8]) -> String? {
        guard JobOutput.isSafe(path) else { return "output file \"\(path.prefix(100))\" refused: not a plain relative path" }
        var usage = used[job].flatMap { $0.attempt == attempt ? $0 : nil } ?? Usage(attempt: attempt)
        let isNew = !usage.files.contains(path)
        guard usage.bytes + bytes.count <= JobOutput.maxBytes, !isNew || usage.files.count < JobOutput.maxFiles else {
            let first = usage.bytes <= JobOutput.maxBytes
            usage.bytes = JobOutput.maxBytes + 1
            used[job] = usage
            return first ? "output past \(JobOutput.maxBytes >> 20) MiB or \(JobOutput.maxFiles) files not kept (from \(path))" : nil
        }
        usage.bytes += bytes.count
        usage.files.insert(path)
        used[job] = usage
        let file = JobOutput.folder(root: root, job: job, attempt: attempt) + "/" + path
        do {
            try FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        } catch {
            return "cannot write output \(file): \(error.localizedDescription)"
        }
        // O_NOFOLLOW: only files this writer made are written to, never through a link.
        let fd = open(file, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | (offset == 0 ? O_TRUNC : 0), 0o644)
        guard fd >= 0 else { return "cannot write output \(file): \(String(cString: strerror(errno)))" }
        defer { close(fd) }
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress! + written, bytes.count - written, off_t(offset + written)) }
            if n < 0 {
                if errno == EINTR { continue }
                return "cannot write output \(file): \(String(cString: strerror(errno)))"
            }
            written += n
        }
        return nil
    }
}
