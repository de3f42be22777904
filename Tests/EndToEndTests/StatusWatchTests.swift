import Foundation
import SweepStore
import SweepTestSupport
import Testing

@Suite(.serialized) struct StatusWatchTests {
    static let spec = #"{"name": "w", "workload": "probe", "base": {"epochs": 20, "sleep_ms": 100}, "grid": {"value": [1, 2, 3, 4]}}"#

    @Test func watchPipedPrintsPlainLinesWithASweepETAUntilTheCoordinatorEnds() throws {
        let sandbox = try SweepSandbox()
        try sandbox.write("w.json", Self.spec)
        let launch = try sandbox.start(["launch", "w.json", "--local-slots", "1", "--quiet"])
        #expect(sandbox.waitUntil(timeout: 30) { StoreReader.writer(databasePath: sandbox.database)?.sweep == "w" })
        let watch = try sandbox.run(["status", "w", "--watch"], timeout: 60)
        launch.wait(timeout: 60)
        #expect(watch.status == 0)
        let lines = watch.stdout.split(separator: "\n")
        #expect(lines.count >= 2, "\(watch.stdout)")
        #expect(lines.last?.hasSuffix("[w] 4/4 done · 0 running · 0 failed · 0 pending") == true, "\(watch.stdout)")
        #expect(lines.contains { $0.range(of: #"\d/4 done · 1 running · .* pending · eta \d\d:\d\d$"#, options: .regularExpression) != nil },
                "\(watch.stdout)")
        #expect(!watch.stdout.contains("\u{1B}["), "no terminal codes when piped")
    }

    @Test func watchOnATerminalRedrawsOneScreenWithTheRunningJobs() throws {
        let sandbox = try SweepSandbox()
        try sandbox.write("w.json", Self.spec)
        let launch = try sandbox.start(["launch", "w.json", "--local-slots", "2", "--quiet"])
        #expect(sandbox.waitUntil(timeout: 30) { StoreReader.writer(databasePath: sandbox.database)?.sweep == "w" })
        // script(1) gives the command a pseudo-terminal, as a user's shell would.
        let text = try Program.run("/usr/bin/script", ["-qc", "'\(SweepSandbox.binary.path)' status w --watch", "/dev/null"],
                                   in: sandbox.directory.path).stdout
        launch.wait(timeout: 60)
        let screens = text.components(separatedBy: "\u{1B}[H\u{1B}[J").filter { !$0.isEmpty }
        #expect(screens.count >= 2, "\(text)")
        #expect(screens.contains { $0.contains("job  key       host   progress") && $0.contains("epoch ") && $0.contains("/20 · acc ") },
                "\(text)")
    }
}
