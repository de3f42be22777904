import Foundation
import Testing

/// `sweep launch` on hostile specs: exit 64 with the position, at once, nothing written.
@Suite struct SpecLimitsEndToEndTests {
    @Test func hostileSpecsExit64AtOnceAndWriteNoDatabase() throws {
        let sandbox = try SweepSandbox()
        let list = "[" + (0..<1000).map(String.init).joined(separator: ",") + "]"
        try sandbox.write("grid.json", #"{"workload": "probe", "grid": {"epochs": \#(list), "sleep_ms": \#(list), "fail_at_epoch": \#(list)}}"#)
        var laughs = "workload: probe\nl0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        for i in 1...9 { laughs += "l\(i): &l\(i) [" + Array(repeating: "*l\(i - 1)", count: 10).joined(separator: ", ") + "]\n" }
        try sandbox.write("laughs.yaml", laughs)
        try sandbox.write("deep.json", String(repeating: "[", count: 50_000) + String(repeating: "]", count: 50_000))

        for (arguments, message) in [
            (["launch", "grid.json"], "grid.json:1:31: grid: the spec expands to 1000000000 jobs"),
            (["launch", "grid.json", "--dry-run"], "raise the cap with --max-jobs N"),
            (["launch", "laughs.yaml"], "laughs.yaml:2:5: l0: YAML anchors (&l0) are not supported"),
            (["launch", "deep.json"], "deep.json:1:65: " + String(repeating: "[0]", count: 64) + ": lists and objects nest more than 64 deep"),
        ] {
            // The run's limit is the hang guard: expanding first would take far longer.
            let run = try sandbox.run(arguments, timeout: 60)
            #expect(run.status == 64, "\(arguments): \(run.status) \(run.stderr)")
            #expect(run.stderr.contains(message), "\(arguments): \(run.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: sandbox.database))
    }

    @Test func maxJobsRaisesOrLowersTheCap() throws {
        let sandbox = try SweepSandbox()
        try sandbox.write("six.json", #"{"workload": "probe", "grid": {"value": [1, 2, 3]}, "seeds": 2}"#)
        let refused = try sandbox.run(["launch", "six.json", "--dry-run", "--max-jobs", "5"])
        #expect(refused.status == 64)
        #expect(refused.stderr.contains("the spec expands to 6 jobs (grid 3, 2 seeds), more than the cap of 5"), "\(refused.stderr)")
        let accepted = try sandbox.run(["launch", "six.json", "--dry-run", "--max-jobs", "6"])
        #expect(accepted.status == 0, "\(accepted.stderr)")
        #expect(accepted.stdout.contains("6 jobs = 3 configs x 2 seeds"), "\(accepted.stdout)")
        #expect(try sandbox.run(["launch", "six.json", "--max-jobs", "0"]).status == 64)
        // No ceiling let a 10^7-job dry run take 7 GB: 1,000,000 at most, said at once.
        let ceiling = try sandbox.run(["launch", "six.json", "--dry-run", "--max-jobs", "10000000"])
        #expect(ceiling.status == 64 && ceiling.stderr.contains("--max-jobs must be at most 1000000"), "\(ceiling.stderr)")
        #expect(try sandbox.run(["launch", "six.json", "--dry-run", "--max-jobs", "1000000"]).status == 0)
        #expect(!FileManager.default.fileExists(atPath: sandbox.database))
    }

    /// A folder given as the spec is named as one (it printed "NSCocoaErrorDomain error
    /// 256"); a FIFO is refused without waiting for a writer.
    @Test func aFolderOrAFIFOAsTheSpecIsNamedAsSuch() throws {
        let sandbox = try SweepSandbox()
        try FileManager.default.createDirectory(at: sandbox.directory.appendingPathComponent("specs"), withIntermediateDirectories: true)
        let folder = try sandbox.run(["launch", "specs", "--dry-run"], timeout: 30)
        #expect(folder.status == 64 && folder.stderr.contains("specs: is a directory, expected a spec file (.json/.yaml)"), "\(folder.stderr)")
        #expect(!folder.stderr.contains("NSCocoaErrorDomain"))
        let fifo = sandbox.directory.appendingPathComponent("pipe.json").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let piped = try sandbox.run(["launch", fifo, "--dry-run"], timeout: 30)
        #expect(piped.status == 64 && piped.stderr.contains("pipe.json: is not a regular file"), "\(piped.stderr)")
        #expect(!FileManager.default.fileExists(atPath: sandbox.database))
    }

    @Test func durationsThatAreNotNumbersAreUsageErrors() throws {
        let sandbox = try SweepSandbox()
        try sandbox.write("one.json", #"{"workload": "probe"}"#)
        for (option, value) in [("--host-grace", "nan"), ("--host-grace", "inf"), ("--host-grace", "-1"),
                                ("--timeout", "nan"), ("--timeout", "inf"), ("--timeout", "-5")] {
            let run = try sandbox.run(["launch", "one.json", "--dry-run", option + "=" + value])
            #expect(run.status == 64, "\(option) \(value): \(run.status) \(run.stderr)")
            #expect(run.stderr.contains(option + " must be"), "\(option) \(value): \(run.stderr)")
        }
        #expect(try sandbox.run(["launch", "one.json", "--dry-run", "--timeout", "2.5", "--host-grace", "5"]).status == 0)
        #expect(!FileManager.default.fileExists(atPath: sandbox.database))
    }
}
