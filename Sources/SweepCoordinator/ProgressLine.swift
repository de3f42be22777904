#if canImport(Glibc)
import Glibc
#endif
import Foundation
import SweepRuntime
import SweepStore

/// The live progress of a sweep: one line rewritten in place on a terminal, or a plain
/// line every `interval` seconds otherwise (logs, CI).
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
            + "\(counts.pending) pending · \(Self.clock(elapsed)) elapsed"
        let remaining = counts.pending + counts.running
        if finishedThisRun > 0, remaining > 0 {
            text += " · ETA \(Self.clock(elapsed / Double(finishedThisRun) * Double(remaining)))"
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

    /// Prints a message on its own line without breaking the live line.
    public func message(_ text: String) {
        if case .live = style {
            emit("\r\u{1B}[2K" + text + "\n" + lastText)
        } else {
            emit(text + "\n")
        }
    }

    /// Ends the live line.
    public func finish() {
        if case .live = style, !lastText.isEmpty { emit("\n") }
    }

    private func emit(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// `1:02:03` or `02:03`.
    public static func clock(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        let (h, m, s) = (total / 3600, total / 60 % 60, total % 60)
        return h > 0 ? String(format: "%d:%02d:%02d", h, m, s) : String(format: "%02d:%02d", m, s)
    }
}
