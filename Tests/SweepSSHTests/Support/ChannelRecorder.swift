import Foundation
import Synchronization
import SweepSSH

/// Consumes an exec channel's events in the background so tests can wait for conditions on
/// everything received so far.
final class ChannelRecorder: Sendable {
    struct Snapshot: Sendable {
        var stdout: [UInt8] = []
        var stderr: [UInt8] = []
        var exitStatus: Int32?
        var exitSignal: String?
        /// How the event stream failed, if it did (the stream only throws `SSHError`).
        var error: SSHError?
        var finished = false
        var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    }

    private let state = Mutex(Snapshot())

    init(_ channel: SSHExecChannel) {
        Task { [self] in
            do {
                for try await event in channel.events {
                    self.state.withLock { snapshot in
                        switch event {
                        case .stdout(let bytes): snapshot.stdout += bytes
                        case .stderr(let bytes): snapshot.stderr += bytes
                        case .exit(let status, let signal): (snapshot.exitStatus, snapshot.exitSignal) = (status, signal)
                        }
                    }
                }
            } catch {
                self.state.withLock { $0.error = error as? SSHError }
            }
            self.state.withLock { $0.finished = true }
        }
    }

    var snapshot: Snapshot { state.withLock { $0 } }

    /// Polls until `condition` holds or `timeout` passes; returns the last snapshot and the
    /// time waited.
    func wait(
        upTo timeout: Duration = .seconds(5), until condition: (Snapshot) -> Bool
    ) async throws -> (Snapshot, Duration) {
        let clock = ContinuousClock()
        let start = clock.now
        while true {
            let current = snapshot
            if condition(current) || clock.now - start > timeout { return (current, clock.now - start) }
            try await Task.sleep(for: .milliseconds(2))
        }
    }
}
