import Foundation
import SweepCore
import SweepSSH
import SweepTestSupport
import SweepTransport
import SweepWire
import Testing

@testable import SweepRemote

/// A Slurm worker's blocking steps (shipping the binary and data files, starting srun,
/// `scancel`) run on the transport's own thread: the caller, the coordinator's loop, only
/// queues them and takes their ends as events. srun and scancel are stand-ins (shell scripts
/// in `clients`) that the test holds up at will, which a real cluster cannot do on cue.
struct SlurmTransportThreadTests {
    /// A write to a worker that died must fail with EPIPE, not kill the test process: the
    /// process-wide set-up `sweep`'s main does.
    init() { SSHSession.ignoreSIGPIPE() }

    /// A folder with stand-in Slurm clients, a home, and a one-worker local Slurm host file.
    struct Fixture {
        let folder: TemporaryFolder
        let host: HostFile
        var clients: String { folder.file("clients") }
        var home: String { folder.file("home") }

        init(sharedHome: Bool, srun: String, scancel: String = "exit 0") throws {
            folder = try TemporaryFolder("sweep-slurm-thread")
            for path in [folder.file("clients"), folder.file("home")] {
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            }
            for (name, body) in [("srun", srun), ("scancel", scancel), ("squeue", "exit 1")] {
                let path = folder.file("clients/\(name)")
                try "#!/bin/sh\nDIR='\(folder.path)'\n\(body)\n".write(toFile: path, atomically: true, encoding: .utf8)
                try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
            }
            let file = folder.file("c.json")
            try #"{"name": "c", "slurm": true, "workers": 1, "slots": 1, "shared_home": \#(sharedHome)}"#
                .write(toFile: file, atomically: true, encoding: .utf8)
            host = try HostFile(contentsOf: file)
        }

        func transport(binary: (path: String, hash: String) = ("/bin/true", "0"),
                       dataFiles: @escaping @Sendable (RunRequest) -> [DataFile] = { _ in [] }) -> SlurmTransport {
            SlurmTransport(host: host, worker: 1, launch: "t", binary: binary, heartbeat: 2, dataFiles: dataFiles,
                           clients: clients, home: home)
        }

        func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: folder.file(name)) }

        func text(_ name: String) -> String { (try? String(contentsOfFile: folder.file(name), encoding: .utf8)) ?? "" }

        func touch(_ name: String) { FileManager.default.createFile(atPath: folder.file(name), contents: Data()) }
    }

    /// Events until `match` says stop, at most 30 s (a hang guard, not a bound on speed).
    func next(_ events: EventQueue, until match: (CoordinatorEvent) -> Bool) -> CoordinatorEvent? {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if let event = events.next(timeout: .seconds(1)), match(event) { return event }
        }
        return nil
    }

    /// The stand-in scancel waits for the test's `go` file (at most 20 s) and records whether it
    /// came: had `close()` waited for scancel, it would have timed out before the test went on.
    @Test(.timeLimit(.minutes(1)))
    func closeQueuesScancelAndTheLoopTakesOtherEventsMeanwhile() throws {
        let fixture = try Fixture(sharedHome: false, srun: "exit 1", scancel: """
            echo "$@" > "$DIR/scancel-args"
            i=0
            while [ ! -e "$DIR/go" ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i+1)); done
            if [ -e "$DIR/go" ]; then echo released > "$DIR/outcome"; else echo "timed out" > "$DIR/outcome"; fi
            echo "controller busy" >&2
            exit 1
            """)
        defer { fixture.touch("go") }
        let transport = fixture.transport()
        let events = EventQueue()
        try transport.start(events: events)
        transport.close()
        #expect(!fixture.exists("outcome"), "close() waited for scancel: \(fixture.text("outcome"))")
        // The stand-in srun's end comes while scancel is still held up.
        let closed = next(events) { if case .closed = $0 { true } else { false } }
        #expect(closed != nil)
        #expect(!fixture.exists("outcome"))
        fixture.touch("go")
        let released = next(events) { if case .released = $0 { true } else { false } }
        guard case .released(let host, let problem) = released else {
            Issue.record("no .released event")
            return
        }
        #expect(host == "c.1")
        #expect(problem == "scancel --quiet --name=sweep-t-c.1 exited with status 1: controller busy; see squeue --name=sweep-t-c.1")
        #expect(fixture.text("outcome") == "released\n")
        #expect(fixture.text("scancel-args") == "--quiet --name=sweep-t-c.1\n")
        transport.waitUntilClosed(deadline: .now + .seconds(5))
    }

    /// A failed scancel's output is the cluster's text: the problem stored and printed is one
    /// line, cut, with its control characters shown, not sent to the terminal.
    @Test(.timeLimit(.minutes(1)))
    func aFailedScancelsOutputIsOneBoundedLine() throws {
        let fixture = try Fixture(sharedHome: false, srun: "exit 1", scancel: """
            i=0
            while [ $i -lt 40 ]; do printf '\\033[2Jbusy %0100d\\n' $i >&2; i=$((i+1)); done
            exit 1
            """)
        let transport = fixture.transport()
        let events = EventQueue()
        try transport.start(events: events)
        transport.close()
        let released = next(events) { if case .released = $0 { true } else { false } }
        guard case .released(_, let problem?) = released else {
            Issue.record("no .released event with a problem")
            return
        }
        #expect(problem.hasPrefix("scancel --quiet --name=sweep-t-c.1 exited with status 1: "), "\(problem)")
        #expect(problem.count < 700, "\(problem.count) characters")
        #expect(!problem.contains("\n") && !problem.unicodeScalars.contains("\u{1B}"), "\(problem)")
        #expect(problem.contains("busy") && problem.hasSuffix("…; see squeue --name=sweep-t-c.1"), "\(problem)")
        transport.waitUntilClosed(deadline: .now + .seconds(5))
    }

    /// A binary that cannot be copied into the shared home's cache: `start` returns, and what it
    /// threw before arrives as `.startFailed`; srun never runs.
    @Test(.timeLimit(.minutes(1)))
    func aStartThatFailsOnTheThreadIsPostedNotThrown() throws {
        let fixture = try Fixture(sharedHome: true, srun: #"touch "$DIR/srun-ran""#)
        let transport = fixture.transport(binary: (fixture.folder.file("missing-binary"), "00"))
        let events = EventQueue()
        try transport.start(events: events)
        let failed = next(events) { if case .startFailed = $0 { true } else { false } }
        guard case .startFailed(let host, let reason) = failed else {
            Issue.record("no .startFailed event")
            return
        }
        #expect(host == "c.1")
        // What `start` threw before (Foundation's words; the order of their details varies).
        #expect(reason.hasPrefix("Error Domain=NSCocoaErrorDomain Code=260"), "\(reason)")
        #expect(reason.contains("NSFilePath=\(fixture.folder.file("missing-binary"))"), "\(reason)")
        #expect(!fixture.exists("srun-ran"))
        transport.close()
        transport.waitUntilClosed(deadline: .now + .seconds(5))
    }

    /// `send` of a `run` whose data files are still being listed and hashed (held up by the
    /// test) returns at once; the files are then copied into the shared home, and the `run`
    /// reaches the worker after them, followed by what was sent next.
    @Test(.timeLimit(.minutes(1)))
    func dataFilesAreHashedAndShippedOffTheCallersThreadInOrder() throws {
        // srun's stand-in is the worker: it records its stdin (the binary's cached copy must exist),
        // keeping its stdout open until then, as the end of a worker's stdout is its end.
        let fixture = try Fixture(sharedHome: true, srun: """
            for a in "$@"; do last="$a"; case "$a" in */.cache/sweep/bin/*) binary="$a";; esac; done
            [ -x "$binary" ] && echo cached > "$DIR/binary-state"
            cat > "$DIR/worker-input"
            """)
        let binaryPath = fixture.folder.file("sweep-binary")
        try "#!/bin/sh\n".write(toFile: binaryPath, atomically: true, encoding: .utf8)
        let binary = (path: binaryPath, hash: try Digest.sha256Hex(fileAtPath: binaryPath))
        let dataPath = fixture.folder.file("data.bin")
        try Data(repeating: 7, count: 100_000).write(to: URL(fileURLWithPath: dataPath))
        let hashing = DispatchSemaphore(value: 0), listed = DispatchSemaphore(value: 0)
        let transport = fixture.transport(binary: binary) { _ in
            listed.signal()
            // Holds the thread as a large file's hashing would, until the test lets go.
            _ = hashing.wait(timeout: .now() + 20)
            return [DataFile(localPath: dataPath, remotePath: ".cache/sweep/datasets/probe/data.bin",
                             sha256: (try? Digest.sha256Hex(fileAtPath: dataPath)) ?? "")]
        }
        let events = EventQueue()
        try transport.start(events: events)
        let run = RunRequest(job: 7, attempt: 1, workload: "probe", config: JobConfig(["value": 1]), timeout: nil)
        #expect(transport.send(.run(run)))
        #expect(listed.wait(timeout: .now() + 20) == .success, "the data files were listed")
        #expect(transport.send(.cancel(job: 7)), "queued behind the run, not refused")
        let shipped = fixture.home + "/.cache/sweep/datasets/probe/data.bin"
        #expect(!FileManager.default.fileExists(atPath: shipped))
        hashing.signal()
        transport.close()
        transport.waitUntilClosed(deadline: .now + .seconds(20))
        _ = next(events) { if case .closed = $0 { true } else { false } }
        #expect(FileManager.default.contents(atPath: shipped) == Data(repeating: 7, count: 100_000))
        #expect(fixture.text("binary-state") == "cached\n")
        let lines = fixture.text("worker-input").split(separator: "\n").map(String.init)
        #expect(lines == [CoordinatorMessage.run(run).line, CoordinatorMessage.cancel(job: 7).line].map { String($0.dropLast()) })
    }

    /// A cluster's workers start at once, each on its own thread: both copy the (missing) binary
    /// into the shared home's cache together, and both start.
    @Test(.timeLimit(.minutes(1)))
    func workersOfOneClusterCopyTheBinaryAtOnceAndBothStart() throws {
        let fixture = try Fixture(sharedHome: true, srun: #"touch "$DIR/srun-ran-$$""#)
        let binaryPath = fixture.folder.file("sweep-binary")
        try Data((0..<(24 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 2654435761 >> 9) }).write(to: URL(fileURLWithPath: binaryPath))
        let binary = (path: binaryPath, hash: try Digest.sha256Hex(fileAtPath: binaryPath))
        let transports = (1...2).map {
            SlurmTransport(host: fixture.host, worker: $0, launch: "t", binary: binary, heartbeat: 2, dataFiles: { _ in [] },
                           clients: fixture.clients, home: fixture.home)
        }
        let events = EventQueue()
        for transport in transports { try transport.start(events: events) }
        var ended: [String] = []
        while ended.count < 2, let event = next(events, until: { if case .message = $0 { false } else { true } }) {
            switch event {
            case .closed(let host, _, _): ended.append(host)
            case .startFailed(let host, let reason): Issue.record("\(host) did not start: \(reason)"); ended.append(host)
            default: break
            }
        }
        #expect(ended.sorted() == ["c.1", "c.2"])
        let cached = fixture.home + "/" + RemoteHost.binaryPath(hash: binary.hash)
        #expect(try Digest.sha256Hex(fileAtPath: cached) == binary.hash)
        for transport in transports { transport.close() }
        for transport in transports { transport.waitUntilClosed(deadline: .now + .seconds(5)) }
    }
}
