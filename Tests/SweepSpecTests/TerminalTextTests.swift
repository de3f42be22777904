import SweepCore
import Testing

/// What `TerminalText` makes of hostile text: every control character visible, nothing
/// removed, and one-line rows one line.
@Suite struct TerminalTextTests {
    @Test(arguments: [
        ("\u{1b}]0;title\u{07}", "^[]0;title^G"),
        ("\u{1b}[2J\u{1b}[31mred", "^[[2J^[[31mred"),
        ("a\rb\u{7f}c\u{0}", "a^Mb^?c^@"),
        ("\u{9b}31m C1 CSI", "\\u{9b}31m C1 CSI"),
        ("abc\u{202e}cba", "abc\\u{202e}cba"),
        ("tab\there", "tab^Ihere"),
        ("plain ✓ é 漢字", "plain ✓ é 漢字"),
    ])
    func controlsAreShown(_ input: String, _ shown: String) {
        #expect(TerminalText.visible(input) == shown)
    }

    @Test func aMultiLineBodyKeepsItsLinesAndTabs() {
        #expect(TerminalText.visible("a\tb\n\u{1b}[2Jc", keepingLines: true) == "a\tb\n^[[2Jc")
    }

    @Test func oneLineJoinsLinesAndCuts() {
        #expect(TerminalText.oneLine("exited with status 3; stderr ends:\nfirst  \r\nsecond\n\n") == "exited with status 3; stderr ends: ⏎ first ⏎ second")
        #expect(TerminalText.oneLine(String(repeating: "x", count: 100), limit: 10) == String(repeating: "x", count: 9) + "…")
        #expect(TerminalText.oneLine("\u{1b}]0;t\u{07}") == "^[]0;t^G")
    }
}
