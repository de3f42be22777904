import Foundation
import SweepCore
import SweepStore
import SweepTestSupport
import Testing

/// A TPE search run by the real binary: killed with SIGKILL and resumed, and spread over
/// two SSH hosts and the local worker.
@Suite(.serialized) struct SearchEndToEndTests {
    static let spec = """
        {"name": "s", "workload": "probe", "base": {"epochs": 2},
         "objective": {"metric": "loss", "mode": "min"},
         "sample": {"method": "tpe", "n": 12, "seed": 7, "startup": 4,
                    "params": {"value": {"uniform": [-5, 5]}, "sleep_ms": {"int_uniform": [10, 30]}}}}
        """

    static func trials(_ sandbox: SweepSandbox, sweep: String = "s") throws -> [StoredTrial] {
        let store = try StoreReader(path: sandbox.database)
        return try store.trials(of: try #require(try store.sweep(named: sweep)).id)
    }

    /// What identifies a trial's proposal: its number and its values.
    static func sequence(_ trials: [StoredTrial]) -> [String] {
        trials.map { "\($0.number) \($0.job.config["value"]?.canonicalText ?? "?") \($0.job.config["sleep_ms"]?.canonicalText ?? "?")" }
    }

    /// `--dry-run` says how the parameters are modelled: jointly unless told otherwise (as
    /// Optuna 5.1's default TPE sampler for one objective).
    @Test func aDryRunSaysHowTheParametersAreModelled() throws {
        let sandbox = try SweepSandbox()
        try sandbox.write("s.json", Self.spec)
        try sandbox.write("u.json", Self.spec.replacingOccurrences(of: #""startup": 4,"#, with: #""startup": 4, "multivariate": false,"#))
        for (file, expected) in [("s.json", ", parameters modelled jointly\n"), ("u.json", ", each parameter modelled on its own\n")] {
            let run = try sandbox.start(["launch", file, "--dry-run"])
            run.wait(timeout: 60)
            #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
            #expect(run.stdout.contains("a tpe search of 12 trials, the first 4 at random, seed 7" + expected), "\(run.stdout)")
        }
    }

    @Test func aSearchKilledWithSIGKILLResumesToTheSameTrialsNoneRunTwice() throws {
        let whole = try SweepSandbox()
        try whole.write("s.json", Self.spec)
        let run = try whole.run(["launch", "s.json", "--local-slots", "1"], timeout: 180)
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        let expected = Self.sequence(try Self.trials(whole))
        #expect(expected.count == 12)

        // Killed after the 5th job's end was committed, and (another run) right after the
        // 8th trial was stored, before its job started.
        for point in ["finished:5", "proposed:8"] {
            let sandbox = try SweepSandbox()
            try sandbox.write("s.json", Self.spec)
            let killed = try sandbox.start(["launch", "s.json", "--local-slots", "1"], environment: ["SWEEP_FAULT_KILL_AT": point])
            killed.wait(timeout: 120)
            #expect(killed.process.terminationReason == .uncaughtSignal && killed.status == SIGKILL, "\(point): \(killed.stderr)")
            let before = try Self.trials(sandbox)
            #expect(before.count > 0 && before.count < 12, "\(point): \(before.count) trials before the kill")
            #expect(sandbox.waitForNoLeftovers().isEmpty)
            let resumed = try sandbox.run(["resume", "s", "--local-slots", "1"], timeout: 180)
            #expect(resumed.status == 0, "\(point): \(resumed.stdout)\n\(resumed.stderr)")
            let trials = try Self.trials(sandbox)
            #expect(Self.sequence(trials) == expected, "\(point): the resumed search differs from the uninterrupted one")
            let store = try StoreReader(path: sandbox.database)
            for trial in trials {
                #expect(trial.job.state == .done)
                #expect(try store.attempts(of: trial.job.id).filter { $0.status == .ok }.count == 1, "\(point): job \(trial.job.id)")
            }
            // Resuming a finished search runs nothing more.
            let again = try sandbox.run(["resume", "s", "--local-slots", "1"], timeout: 60)
            let after = try Self.trials(sandbox).count
            #expect(again.status == 0 && after == 12, "\(again.stdout)\n\(again.stderr)")
            #expect(sandbox.waitForNoLeftovers().isEmpty)
        }
    }

    /// The spec with `"multivariate": false` (each parameter on its own: the default its
    /// trials were proposed with before 7 December 2026).
    static let univariateSpec = spec.replacingOccurrences(of: #""startup": 4,"#, with: #""startup": 4, "multivariate": false,"#)

    static func sqlite3(_ path: String, _ sql: String) throws {
        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        shell.arguments = [path, sql]
        try shell.run()
        shell.waitUntilExit()
        try #require(shell.terminationStatus == 0, "sqlite3 \(sql)")
    }

    /// What refusing a launch must leave as it was: the store's bytes, trials and revisions.
    static func snapshot(_ sandbox: SweepSandbox) throws -> (Data, [String], Int) {
        let store = try StoreReader(path: sandbox.database)
        let sweep = try #require(try store.sweep(named: "s"))
        return (try Data(contentsOf: URL(fileURLWithPath: sandbox.database)), sequence(try trials(sandbox)),
                try store.revisions(of: sweep.id).count)
    }

    /// The trials of an uninterrupted univariate search, and a sandbox whose univariate search
    /// was killed with SIGKILL at `killAt` (a `SWEEP_FAULT_KILL_AT` point).
    static func univariateSearch(killedAt killAt: String) throws -> (expected: [String], sandbox: SweepSandbox) {
        let whole = try SweepSandbox()
        try whole.write("s.json", univariateSpec)
        let reference = try whole.run(["launch", "s.json", "--local-slots", "1"], timeout: 180)
        #expect(reference.status == 0, "\(reference.stdout)\n\(reference.stderr)")
        let expected = sequence(try trials(whole))
        #expect(expected.count == 12)

        let sandbox = try SweepSandbox()
        try sandbox.write("s.json", univariateSpec)
        let killed = try sandbox.start(["launch", "s.json", "--local-slots", "1"], environment: ["SWEEP_FAULT_KILL_AT": killAt])
        killed.wait(timeout: 120)
        #expect(killed.process.terminationReason == .uncaughtSignal && killed.status == SIGKILL, "\(killed.stderr)")
        #expect(sandbox.waitForNoLeftovers().isEmpty)
        return (expected, sandbox)
    }

    /// A search whose trials were proposed univariate, interrupted, then launched from a
    /// spec that no longer says so (so today's default, joint, would apply): it goes on
    /// univariate, to exactly the trials of an uninterrupted univariate search. A spec that
    /// states another setting is refused (64, naming file and field) and writes nothing.
    @Test func aSearchGoesOnWithTheSettingsItsTrialsWereProposedWith() throws {
        let (expected, sandbox) = try Self.univariateSearch(killedAt: "proposed:8")
        try sandbox.write("s.json", Self.spec)  // the key removed: the default (joint) would apply
        let resumed = try sandbox.run(["launch", "s.json", "--local-slots", "1"], timeout: 180)
        #expect(resumed.status == 0, "\(resumed.stdout)\n\(resumed.stderr)")
        #expect(resumed.stdout.contains("each parameter modelled on its own, as its trials were proposed"), "\(resumed.stdout)")
        let trials = try Self.trials(sandbox)
        #expect(Self.sequence(trials) == expected, "the resumed search differs from the uninterrupted univariate one")
        #expect(trials.dropFirst(4).allSatisfy { $0.proposedFrom.hasPrefix("tpe: ") }, "\(trials.map(\.proposedFrom))")

        // A spec that states what the trials were not proposed with is refused, naming the
        // file and the field, and nothing is written.
        for (key, field) in [(#""startup": 4, "multivariate": true,"#, "sample.multivariate"), (#""startup": 5,"#, "sample.startup")] {
            try sandbox.write("t.json", Self.spec.replacingOccurrences(of: #""startup": 4,"#, with: key))
            let before = try Self.snapshot(sandbox)
            for arguments in [["launch", "t.json", "--local-slots", "1"], ["launch", "t.json", "--dry-run"]] {
                let refused = try sandbox.run(arguments, timeout: 60)
                #expect(refused.status == 64, "\(arguments): \(refused.stdout)\n\(refused.stderr)")
                #expect(refused.stderr.contains("t.json") && refused.stderr.contains(field)
                    && refused.stderr.contains("12 trials proposed with"), "\(refused.stderr)")
                let after = try Self.snapshot(sandbox)
                #expect(after.0 == before.0 && after.1 == before.1 && after.2 == before.2, "\(arguments) wrote to the store")
            }
        }
        #expect(sandbox.waitForNoLeftovers().isEmpty)
    }

    /// A store whose trials were recorded before sampler settings were stored (migration
    /// v9-search-settings undone with raw SQL): they were proposed univariate, so it goes on
    /// univariate, and stores that setting with its next trial.
    @Test func aStoreWhoseTrialsPredateStoredSettingsResumesUnivariate() throws {
        let (expected, sandbox) = try Self.univariateSearch(killedAt: "proposed:6")
        // As a store from before v9: no settings table, and the spec stored without the key.
        try sandbox.write("s.json", Self.spec)
        try Self.sqlite3(sandbox.database, """
            DROP TABLE search_settings; DELETE FROM grdb_migrations WHERE identifier = 'v9-search-settings';
            UPDATE sweeps SET spec_text = readfile('\(sandbox.directory.appendingPathComponent("s.json").path)');
            """)
        let resumed = try sandbox.run(["resume", "s", "--local-slots", "1"], timeout: 180)
        #expect(resumed.status == 0, "\(resumed.stdout)\n\(resumed.stderr)")
        #expect(resumed.stdout.contains("each parameter modelled on its own, as its trials were proposed"), "\(resumed.stdout)")
        let trials = try Self.trials(sandbox)
        #expect(Self.sequence(trials) == expected, "the resumed old search differs from the uninterrupted univariate one")
        #expect(trials.dropFirst(4).allSatisfy { $0.proposedFrom.hasPrefix("tpe: ") }, "\(trials.map(\.proposedFrom))")
        let stored = try #require(try StoreReader(path: sandbox.database).storedSearch(named: "s"))
        #expect(stored.settings?["multivariate"] == .bool(false), "\(String(describing: stored.settings))")

        // Settings edited by hand out of range, or not JSON: refused, not guessed at.
        for (text, says) in [(#"{"startup": 0, "multivariate": false}"#, "are not valid"), ("not json", "are not JSON")] {
            try Self.sqlite3(sandbox.database, "UPDATE search_settings SET settings = '\(text)'")
            let refused = try sandbox.run(["resume", "s", "--local-slots", "1"], timeout: 60)
            #expect(refused.status == 1 && refused.stderr.contains(says) && refused.stderr.contains("search_settings"),
                    "\(refused.stdout)\n\(refused.stderr)")
        }
        #expect(sandbox.waitForNoLeftovers().isEmpty)
    }

    @Test func aSearchRunsOnTwoSSHHostsAndLocallyAtOnce() throws {
        let sandbox = try SweepSandbox()
        let a = try TestSSHD(freshHome: true), b = try TestSSHD(freshHome: true)
        defer { a.stop(); b.stop() }
        for (name, sshd) in [("alpha", a), ("beta", b)] {
            let hosts = sandbox.directory.appendingPathComponent("Hosts")
            try FileManager.default.createDirectory(at: hosts, withIntermediateDirectories: true)
            let json: JSONValue = [
                "name": .string(name), "ssh": .string("\(sshd.user)@127.0.0.1:\(sshd.port)"), "slots": 2,
                "identity": .string(sshd.userKeyPath), "known_hosts": .string(sshd.knownHostsPath), "ssh_config": "/dev/null",
            ]
            try json.canonicalText.write(to: hosts.appendingPathComponent("\(name).json"), atomically: true, encoding: .utf8)
        }
        try sandbox.write("r.json", Self.spec.replacingOccurrences(of: "\"s\"", with: "\"r\"")
            .replacingOccurrences(of: "\"n\": 12", with: "\"n\": 20").replacingOccurrences(of: "[10, 30]", with: "[250, 400]"))
        let run = try sandbox.run(["launch", "r.json", "--local-slots", "1"], timeout: 240)
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        let trials = try Self.trials(sandbox, sweep: "r")
        #expect(trials.map(\.number) == Array(0..<20))
        #expect(trials.allSatisfy { $0.job.state == .done })
        #expect(Set(trials.compactMap(\.job.host)) == ["local", "alpha", "beta"], "\(trials.compactMap(\.job.host))")
        // Trials proposed while others ran took them into account.
        #expect(trials.contains { $0.proposedFrom.contains("running)") }, "\(trials.map(\.proposedFrom))")
        #expect(sandbox.waitForNoLeftovers().isEmpty)
    }
}
