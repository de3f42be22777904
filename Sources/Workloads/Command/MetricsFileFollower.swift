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
        parser = MetricLineParser { epoch, metrics in context.report(epoch: epoch, metrics: metrics) }
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

    private func poll() {
        guard offset < maxBytes, let handle = FileHandle(forReadingAtPath: path) else { return }
        defer { try? handle.close() }
        guard (try? handle.seek(toOffset: UInt64(offset))) != nil,
              let data = try? handle.read(upToCount: maxBytes - offset), !data.isEmpty else { return }
        offset += data.count
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
