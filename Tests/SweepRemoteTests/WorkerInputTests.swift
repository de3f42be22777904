import Foundation
import SweepCore
import SweepSSH
import SweepRemote
import SweepTestSupport
import SweepTransport
import SweepWire
import Testing

/// A connection's stdin is a bounded queue written by a thread of its own: the sender (the
/// coordinator's loop) never waits on a worker that stops reading; past the bound the worker
/// is ended as lost, saying why. Real child processes and pipes, and a real loopback sshd.
struct WorkerInputTests {
    /// A write to a worker that died must fail with EPIPE, not kill the test process: the
    /// process-wide set-up `sweep`'s main does.
    init() { SSHSession.ignoreSIGPIPE() }

    /// The first `.closed`, waiting at most 30 s (a hang guard).
    func closed(_ events: EventQueue) -> (host: String, reason: String)? {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if case .closed(let host, let reason, _) = events.next(timeout: .seconds(1)) { return (host, reason) }
        }
        return nil
    }

    /// The next event within a second, polled between sleeps: an SSH transport's tasks run on
    /// the concurrency pool (two threads on two cores), which a test blocked in
    /// `events.next(timeout:)` would hold while the rest of the suite holds the other one.
    func nextEvent(_ events: EventQueue) async -> CoordinatorEvent? {
        for _ in 0..<50 {
            if let event = events.poll() { return event }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }

    /// `sleep` never reads: the pipe fills (64 KiB), then the queue (256 KiB here). Without the
    /// queue the sender would block on the full pipe for good.
    @Test(.timeLimit(.minutes(1)))
    func aWorkerThatStopsReadingIsEndedAsLostWithoutBlockingTheSender() throws {
        let transport = LocalTransport(hostName: "local", executable: "/bin/sleep", arguments: ["600"], slots: 1,
                                       inputLimit: 256 << 10)
        let events = EventQueue()
        try transport.start(events: events)
        let message = CoordinatorMessage.cancel(job: 1)
        let count = (1 << 20) / message.line.utf8.count
        var refused = 0
        for _ in 0..<count where !transport.send(message) { refused += 1 }
        #expect(refused == 0, "a connection that is being ended still takes (and drops) messages")
        let end = try #require(closed(events))
        #expect(end.host == "local")
        #expect(end.reason == "local worker stopped reading its input: more than 262144 bytes of messages waited to be written to it; ended as lost")
    }

    /// A worker that reads gets every line, in order, also far more than a pipe holds; `close`
    /// ends its input after them.
    @Test(.timeLimit(.minutes(1)))
    func aReadingWorkerGetsEveryLineInOrderThenEndOfInput() throws {
        let folder = try TemporaryFolder("sweep-worker-input")
        let output = folder.file("received")
        let transport = LocalTransport(hostName: "w", executable: "/bin/sh", arguments: ["-c", "cat > '\(output)'"], slots: 1,
                                       inputLimit: 64 << 20)
        let events = EventQueue()
        try transport.start(events: events)
        let messages = (1...20_000).map { CoordinatorMessage.cancel(job: Int64($0)) }
        for message in messages { #expect(transport.send(message)) }
        transport.close()
        let end = try #require(closed(events))
        #expect(end.reason == "w exited with status 0", "cat saw end of input and exited")
        let received = try String(contentsOfFile: output, encoding: .utf8)
        #expect(received == messages.map(\.line).joined())
    }

    /// Over SSH the worker's channel stops being read: its window fills, then the connection's
    /// queue (64 messages here), and the next message ends the connection as lost. A real
    /// loopback sshd; the "worker" says one heartbeat (so the channel is open) and sleeps.
    /// Its hang guards are minutes: the SSH tasks share the process's concurrency pool (two
    /// threads here) with the whole suite, whose end-to-end tests block it while their
    /// launches run (seen: 3 minutes in a full run; 1 s alone).
    @Test(.timeLimit(.minutes(12)))
    func anSSHWorkerThatStopsReadingIsEndedAsLostWithoutBlockingTheSender() async throws {
        let sshd = try TestSSHD(freshHome: true)
        defer { sshd.stop() }
        let folder = try TemporaryFolder("sweep-ssh-input")
        let binaryPath = folder.file("sweep")
        try "#!/bin/sh\nexit 0\n".write(toFile: binaryPath, atomically: true, encoding: .utf8)
        let binary = (path: binaryPath, hash: try Digest.sha256Hex(fileAtPath: binaryPath))
        let host = HostFile(name: "s", address: "127.0.0.1", user: sshd.user, port: sshd.port, slots: 1,
                            identity: sshd.userKeyPath, knownHosts: sshd.knownHostsPath)
        let hello = WorkerMessage.heartbeat(running: []).line.dropLast()
        let transport = SSHTransport(host: host, binary: binary, command: { _ in "echo '\(hello)'; exec sleep 600" },
                                     queuedMessages: 64)
        let events = EventQueue()
        try transport.start(events: events)
        defer {
            transport.abort()
            transport.waitUntilClosed(deadline: .now + .seconds(10))
        }
        let deadline = ContinuousClock.now + .seconds(300)
        var open = false
        while !open, ContinuousClock.now < deadline {
            switch await nextEvent(events) {
            case .message(_, .heartbeat)?: open = true
            case .closed(_, let reason, _)?: Issue.record("closed before it opened: \(reason)"); return
            default: break
            }
        }
        try #require(open, "the channel opened")
        let message = CoordinatorMessage.cancel(job: 1)
        // Far more than an SSH window (2 MB) holds.
        for _ in 0..<((16 << 20) / message.line.utf8.count) { _ = transport.send(message) }
        var end: (host: String, reason: String)?
        while end == nil, ContinuousClock.now < deadline + .seconds(300) {
            if case .closed(let host, let reason, _) = await nextEvent(events) { end = (host, reason) }
        }
        let found = try #require(end)
        #expect(found.host == "s")
        #expect(found.reason == "remote worker stopped reading its input: more than 64 messages waited to be sent to it; ended as lost")
    }
}
