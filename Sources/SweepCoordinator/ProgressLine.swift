#if canImport(Glibc)
import Glibc
#endif
import Foundation
import SweepCore
import SweepRuntime
import SweepStore

/// The live progress of a sweep: one line rewritten in place on a terminal, or a plain
/// line every `interval` seconds otherwise (logs, CI). Messages carry text from jobs and
/// hosts: each is one line, its control characters shown (`TerminalText`), and job
/// failures are shown one by one only up to `shownFailures` (300 failing jobs must not
/// print thousands of lines), then counted.
public final class ProgressLine {
    public enum Style: Sendable {
        case live
        case periodic(interval: Double)
        case quiet
    }

    private let style: Style
    private let name: String
    private let clock: any LoopClock
    private let started: Duration
    private var lastPrint: Duration?
    private var lastText = ""
    private var failuresShown = 0
    private var failuresNotShown = 0
    /// The ETA as last estimated, and when: between job ends it counts down with the clock,
    /// and each end moves it by a smoothed rate, so it does not jump with every job.
    private var eta: (seconds: Double, at: Duration, finished: Int)?
    private var smoothedRate: Double?

    /// How many job failures are printed as they happen; the rest are counted at the end.
    public static let shownFailures = 20
    /// The longest message printed; the rest is in `sweep logs` and `sweep status`.
    public static let messageLimit = 1_000

    /// Writes to stderr; `.live` on a terminal, periodic lines otherwise, unless `style` is given.
    public init(sweep name: String, style: Style? = nil, clock: any LoopClock = MonotonicClock()) {
        self.name = name
        self.clock = clock
        started = clock.now
        self.style = style ?? (isatty(2) == 1 ? .live : .periodic(interval: 10))
    }

    /// Shows the counts now if due (always when `force`).
    /// - Parameter finishedThisRun: jobs this coordinator finished, for the ETA.
    public func update(_ counts: StateCounts, finishedThisRun: Int, note: String = "", force: Bool = false) {
        let now = clock.now
        let elapsed = (now - started).inSeconds
        let sincePrint = lastPrint.map { (now - $0).inSeconds } ?? .infinity
        var text = "[\(name)] \(counts.done)/\(counts.total) done · \(counts.running) running · \(counts.failed) failed · "
            + (counts.stopped > 0 ? "\(counts.stopped) stopped · " : "") + "\(counts.pending) pending · \(Self.clock(elapsed)) elapsed"
        let remaining = counts.pending + counts.running
        if let seconds = estimate(remaining: remaining, finished: finishedThisRun, elapsed: elapsed, now: now) {
            text += " · ETA \(Self.clock(seconds))"
        }
        if !note.isEmpty { text += " · " + note }
        switch style {
        case .quiet:
            return
        case .live:
            guard force || text != lastText, force || sincePrint > 0.2 else { return }
            emit("\r\u{1B}[2K" + text)
        case .periodic(let interval):
            guard force || sincePrint >= interval else { return }
            emit(text + "\n")
        }
        lastText = text
        lastPrint = now
    }

    /// Seconds left: remaining jobs over the finishing rate, the rate smoothed over job ends
    /// (exponentially, weight 0.3 for the newest), counting down between them; nil once it
    /// has run out with jobs left (a stop rule ends most jobs early, and a promoted job's
    /// whole run is still ahead: no ETA beats a false 00:00).
    func estimate(remaining: Int, finished: Int, elapsed: Double, now: Duration) -> Double? {
        guard finished > 0, remaining > 0, elapsed > 0 else { return nil }
        if eta == nil || finished != eta!.finished {
            let rate = Double(finished) / elapsed
            let smoothed = smoothedRate.map { 0.7 * $0 + 0.3 * rate } ?? rate
            smoothedRate = smoothed
            eta = (Double(remaining) / smoothed, now, finished)
        }
        let left = eta!.seconds - (now - eta!.at).inSeconds
        return left > 0 ? left : nil
    }

    /// Prints a message on its own line without breaking the live line.
    public func message(_ text: String) {
        let text = TerminalText.oneLine(text, limit: Self.messageLimit)
        if case .live = style {
            emit("\r\u{1B}[2K" + text + "\n" + lastText)
        } else {
            emit(text + "\n")
        }
    }

    /// Prints a job's failure, unless `shownFailures` were printed already (then counts it).
    public func jobFailed(_ text: String) {
        guard failuresShown < Self.shownFailures else {
            failuresNotShown += 1
            return
        }
        failuresShown += 1
        message(text)
    }

    /// Says how many failures were not shown, and ends the live line.
    public func finish() {
        if failuresNotShown > 0 {
            message("… and \(failuresNotShown) more jobs failed; see sweep status \(name)")
            failuresNotShown = 0
        }
        if case .live = style, !lastText.isEmpty { emit("\n") }
    }

    /// Writes to stderr, ignoring failures: after SIGHUP the terminal may be gone (EIO), and
    /// the drain that follows must not die of it (`FileHandle.write` traps on an error).
    private func emit(_ text: String) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return }
            bytes = bytes.dropFirst(n)
        }
    }

    /// `1:02:03` or `02:03`.
    public static func clock(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        let (h, m, s) = (total / 3600, total / 60 % 60, total % 60)
        return h > 0 ? String(format: "%d:%02d:%02d", h, m, s) : String(format: "%02d:%02d", m, s)
    }
}
