#if canImport(Glibc)
import Glibc
#endif
import Foundation
import SweepCore

/// Follows `$SWEEP_METRICS` while the program runs, like `tail -f`: every half second it
/// reads what was appended and reports its complete JSON lines at once, so metrics written there
/// are live in `sweep status` as stdout's are. Reads at most `maxBytes` in all; a line
/// longer than `maxLineBytes` is dropped, and counted with the lines not read.
final class MetricsFileFollower: @unchecked Sendable {
    // @unchecked: `poll` runs on the follower's thread until `stop()` returns, then on
    // the caller's; the two never overlap. The context's `report` may be called from
    // this thread while the job's main thread reports stdout metrics: a runner's context
    // writes whole lines through a `LineWriter`, which serialises them.
    private let path: String
    private let maxBytes: Int
    private let maxLineBytes: Int
    private var parser: MetricLineParser
    private var offset = 0
    private var partial: [UInt8] = []
    private var skippingLine = false
    private let stopped = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    /// The lines of the file that were not read, and the fields ignored (after `stop()`).
    var unread: UnreadMetricLines { parser.unread }

    init(path: String, maxBytes: Int, maxLineBytes: Int, context: any JobContext) {
        self.path = path
        self.maxBytes = maxBytes
        self.maxLineBytes = maxLineBytes
        parser = MetricLineParser(report: { epoch, metrics in context.report(epoch: epoch, metrics: metrics) },
                                  dropping: { context.log(MetricLineParser.droppedNames(epoch: $0, from: "$SWEEP_METRICS")) })
    }

    /// Starts following on a thread of its own.
    func start() {
        Thread.detachNewThread { [self] in
            repeat { poll() } while stopped.wait(timeout: .now() + 0.5) == .timedOut
            finished.signal()
        }
    }

    /// Stops the thread, reads what is left, reports the last epoch; returns whether the
    /// file was cut at `maxBytes`.
    func stop() -> Bool {
        stopped.signal()
        finished.wait()
        poll()
        if !skippingLine, !partial.isEmpty { _ = parser.take(Substring(String(decoding: partial, as: UTF8.self)), onlyMetrics: true) }
        parser.flush()
        return offset >= maxBytes
    }

    /// What the path turned out to be when it is not a regular file (then it is not read).
    private(set) var refused: String?

    private func poll() {
        guard offset < maxBytes, refused == nil else { return }
        // Without blocking: the program may have made its metrics file a FIFO.
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
        guard fd >= 0 else { return }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return }
        guard info.st_mode & S_IFMT == S_IFREG else {
            refused = NotARegularFile.kind(of: info.st_mode)
            return
        }
        var data = [UInt8](repeating: 0, count: min(maxBytes - offset, max(0, Int(info.st_size) - offset)))
        let n = data.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(offset)) }
        guard n > 0 else { return }
        data.removeSubrange(n...)
        offset += n
        defer { parser.flush() }  // what was read is live now
        for byte in data {
            if byte == UInt8(ascii: "\n") {
                if !skippingLine { _ = parser.take(Substring(String(decoding: partial, as: UTF8.self)), onlyMetrics: true) }
                partial.removeAll(keepingCapacity: true)
                skippingLine = false
            } else if !skippingLine {
                partial.append(byte)
                if partial.count > maxLineBytes {
                    parser.skipLongLine(Substring(String(decoding: partial.prefix(UnreadMetricLines.exampleCharacters * 4), as: UTF8.self)),
                                        limit: maxLineBytes)
                    partial.removeAll(keepingCapacity: true)
                    skippingLine = true
                }
            }
        }
    }
}
