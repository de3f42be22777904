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
