import Foundation
import SweepCore
import SweepStore
import SweepTestSupport
import Testing

extension RemoteSweepTests {
    /// A command sweep on an SSH account that has never seen its files: they travel to the
    /// host's content-addressed cache, checksum-verified, and each job finds them in its folder.
    @Test func aCommandSweepRunsOverSSHOnAnAccountThatNeverSawItsFiles() throws {
        let sandbox = try SweepSandbox()
        let sshd = try TestSSHD(freshHome: true)
        defer { sshd.stop() }
        let remoteHome = try #require(sshd.home)
        try addHostFile(sandbox, name: "far", sshd: sshd)
        let scale = Int.random(in: 2...1_000_000)  // new content: no cache anywhere has it
        try sandbox.write("train.py", """
            import os, sys
            scale = float(open("data/scale.txt").read())
            print(f"epoch: 1\\nloss: {float(sys.argv[1]) * scale}")
            print(f"home_is_remote: {int(os.environ['HOME'] == '\(remoteHome)')}")
            open(os.environ["SWEEP_OUTPUT"] + "/result.txt", "w").write(f"x={sys.argv[1]}")
            """)
        try FileManager.default.createDirectory(at: sandbox.directory.appendingPathComponent("data"), withIntermediateDirectories: true)
        try sandbox.write("data/scale.txt", "\(scale)")
        try sandbox.write("r.json", """
            {"name": "r", "workload": "command", "base": {"command": "python3 train.py {x}", "files": ["train.py", "data/"]},
             "grid": {"x": [1, 2, 3]}}
            """)
        let run = try sandbox.start(["launch", "r.json", "--local-slots", "0"], environment: ["HOME": sandbox.directory.path])
        run.wait(timeout: 180)
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")

        let store = try StoreReader(path: sandbox.database)
        let jobs = try store.jobs(of: try #require(try store.sweep(named: "r")).id)
        #expect(jobs.count == 3)
        for job in jobs {
            #expect(job.state == .done && job.host == "far", "\(job.error ?? "")")
            let x = try #require(job.config["x"]?.doubleValue)
            let metrics = Dictionary(try store.metrics(of: job.id).map { ("\($0.epoch)/\($0.name)", $0.value) }) { $1 }
            #expect(metrics == ["1/loss": x * Double(scale), "1/home_is_remote": 1])
            let result = sandbox.directory.appendingPathComponent("sweep-outputs/job-\(job.id)/attempt-1/result.txt")
            #expect(try String(contentsOf: result, encoding: .utf8) == "x=\(Int(x))", "the output did not come back from the host")
        }
        // Both files sit in the host's cache under their hashes.
        for name in ["train.py", "data/scale.txt"] {
            let content = try #require(FileManager.default.contents(atPath: sandbox.directory.appendingPathComponent(name).path))
            let cached = "\(remoteHome)/.cache/sweep/files/\(Digest.sha256Hex(Array(content)))"
            #expect(FileManager.default.contents(atPath: cached) == content, "\(name) is not in the host's cache")
        }
        #expect(sandbox.waitUntil(timeout: 30) { remoteWorkers(sshd).isEmpty }, "remote workers left: \(remoteWorkers(sshd))")
    }
}
