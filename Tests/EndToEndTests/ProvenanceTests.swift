import Foundation
import SweepTestSupport
import Testing

/// What produced a result, recorded by the real binary: the host and binary of each
/// attempt, the git commit of the spec revision, shown by `logs`, `report` and `hosts list`.
@Suite(.serialized) struct ProvenanceTests {
    /// Runs a program in the sandbox and returns its trimmed stdout.
    @discardableResult
    func tool(_ executable: String, _ arguments: [String], in sandbox: SweepSandbox) throws -> String {
        try Program.run(executable, arguments, in: sandbox.directory.path).succeeded().trimmed
    }

    func git(_ arguments: [String], in sandbox: SweepSandbox) throws -> String {
        try tool("/usr/bin/git", ["-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "init.defaultBranch=main"] + arguments,
                 in: sandbox)
    }

    @Test func attemptsAndTheReportSayWhatProducedThem() throws {
        let sandbox = try SweepSandbox()
        try FileManager.default.createDirectory(at: sandbox.directory.appendingPathComponent("Sweeps"), withIntermediateDirectories: true)
        try sandbox.write("Sweeps/p.json", #"{"name": "p", "workload": "probe", "base": {"epochs": 2}, "grid": {"value": [1, 2]}}"#)
        // The sandbox's own files (outputs, database) stay untracked; git runs only here, in the test.
        _ = try git(["init", "-q"], in: sandbox)
        _ = try git(["add", "Sweeps"], in: sandbox)
        _ = try git(["commit", "-q", "-m", "spec"], in: sandbox)
        let head = try git(["rev-parse", "HEAD"], in: sandbox)

        let run = try sandbox.run(["launch", "p", "--local-slots", "1"])
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")

        let logs = try #require(try JSONSerialization.jsonObject(with: Data(try sandbox.run(["logs", "1", "--json"]).stdout.utf8)) as? [String: Any])
        let attempt = try #require((logs["attempts"] as? [[String: Any]])?.first)
        let machine = try #require(attempt["machine"] as? [String: Any], "\(attempt)")
        let version = try sandbox.run(["--version"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let hash = try tool("/usr/bin/sha256sum", [SweepSandbox.binary.path], in: sandbox).split(separator: " ").first.map(String.init)
        #expect(machine["sweep_version"] as? String == version && machine["binary_sha256"] as? String == hash, "\(machine)")
        #expect(machine["cores"] as? Int == ProcessInfo.processInfo.activeProcessorCount)
        let kernel = try tool("/usr/bin/uname", ["-r"], in: sandbox)
        let os = try #require(machine["os"] as? String)
        #expect(os.contains("Linux " + kernel) && os.count <= 200, "\(os)")
        let cpuinfo = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        let model = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
            .map { $0.split(separator: ":", maxSplits: 1)[1].trimmingCharacters(in: .whitespaces) }
        #expect(machine["cpu"] as? String == model.map { String($0.prefix(200)) }, "\(machine)")
        let text = try sandbox.run(["logs", "1"]).stdout
        #expect(text.contains("  ran on: \(os)") && text.contains("sweep \(version) \(hash!.prefix(12))"), "\(text)")

        // The report's header: the revision's commit and the host and binary of the done jobs.
        #expect(try sandbox.run(["report", "p"]).status == 0)
        let markdown = try String(contentsOf: sandbox.directory.appendingPathComponent("Reports/p/report.md"), encoding: .utf8)
        #expect(markdown.contains("- Spec source: git commit \(head), tree state unknown"), "\(markdown)")
        let hosts = try #require(markdown.split(separator: "\n").first { $0.hasPrefix("- Produced by: local (") }, "\(markdown)")
        #expect(hosts.contains("\(ProcessInfo.processInfo.activeProcessorCount) cores, sweep \(version) \(hash!.prefix(12))"), "\(hosts)")

        // The spec edited and not committed: the new revision says so.
        try sandbox.write("Sweeps/p.json", #"{"name": "p", "workload": "probe", "base": {"epochs": 2}, "grid": {"value": [1, 2, 3]}}"#)
        let again = try sandbox.run(["launch", "p", "--local-slots", "1"])
        #expect(again.status == 0 && again.stdout.contains("(revision 2)"), "\(again.stdout)\n\(again.stderr)")
        #expect(try sandbox.run(["report", "p"]).status == 0)
        let edited = try String(contentsOf: sandbox.directory.appendingPathComponent("Reports/p/report.md"), encoding: .utf8)
        #expect(edited.contains("revision 2 of") && edited.contains("- Spec source: git commit \(head), tree dirty"), "\(edited)")
    }

    @Test func aSpecOutsideARepositoryHasNoCommit() throws {
        let sandbox = try SweepSandbox()
        try sandbox.write("q.json", #"{"name": "q", "workload": "probe", "base": {"epochs": 1}, "grid": {"value": [1]}}"#)
        #expect(try sandbox.run(["launch", "q.json", "--local-slots", "1"]).status == 0)
        #expect(try sandbox.run(["report", "q"]).status == 0)
        let markdown = try String(contentsOf: sandbox.directory.appendingPathComponent("Reports/q/report.md"), encoding: .utf8)
        #expect(!markdown.contains("Spec source") && markdown.contains("- Produced by: local ("), "\(markdown)")
    }

    @Test func hostsListPrintsJSON() throws {
        let sandbox = try SweepSandbox()
        let empty = try sandbox.run(["hosts", "list", "--json"])
        #expect(empty.status == 0 && empty.stdout == "[]\n", "\(empty.stdout)\(empty.stderr)")
        // Nothing listens on port 1 of loopback: the host is listed as unreachable, with why.
        try FileManager.default.createDirectory(at: sandbox.directory.appendingPathComponent("Hosts"), withIntermediateDirectories: true)
        try sandbox.write("Hosts/closed.json", #"{"name": "closed", "ssh": "nobody@127.0.0.1:1", "slots": 3}"#)
        let run = try sandbox.run(["hosts", "list", "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let hosts = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [[String: Any]], "\(run.stdout)")
        #expect(hosts.count == 1)
        let host = hosts[0]
        #expect(host["name"] as? String == "closed" && host["ssh"] as? String == "nobody@127.0.0.1:1" && host["slots"] as? Int == 3)
        #expect(host["state"] as? String == "unreachable" && host["latency_ms"] is NSNull && host["binary"] is NSNull)
        #expect((host["error"] as? String)?.isEmpty == false, "\(host)")
        #expect(Set(host.keys) == ["name", "ssh", "slots", "state", "latency_ms", "binary", "error", "slurm_workers"])
        #expect(host["slurm_workers"] is NSNull, "an SSH host is not a Slurm cluster")
    }
}
