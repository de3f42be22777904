#if canImport(Glibc)
import Glibc
#endif
import Foundation
import SweepCore
import SweepTestSupport
import Testing
@testable import Workloads

/// A command attempt run in this process, against a program that hands its stdout away.
@Suite(.timeLimit(.minutes(2))) struct CommandRunTests {
    /// Receives a descriptor over a Unix socket and keeps it open.
    static let holder = """
        import socket, sys, time
        server = socket.socket(socket.AF_UNIX)
        server.bind(sys.argv[1])
        server.listen(1)
        connection, _ = server.accept()
        message, fds, flags, address = socket.recv_fds(connection, 16, 4)
        time.sleep(1000)
        """

    /// Sends its stdout to the holder, prints a metric and exits.
    static let program = """
        import socket, sys
        client = socket.socket(socket.AF_UNIX)
        client.connect(sys.argv[1])
        socket.send_fds(client, [b"x"], [1])
        print("loss: 1", flush=True)
        """

    /// The holder is outside the program's tree, so the guard cannot kill it: the attempt
    /// ends anyway, soon after the program, with what it printed.
    @Test func aProgramWhoseStdoutIsHeldOutsideItsTreeIsDoneWhenItExits() throws {
        let scratch = try TemporaryFolder("sweep-run")
        let folder = scratch.path
        let socket = folder + "/holder.sock"
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        holder.arguments = ["python3", "-c", Self.holder, socket]
        try holder.run()
        defer {
            kill(holder.processIdentifier, SIGKILL)
            holder.waitUntilExit()
        }
        let deadline = Date(timeIntervalSinceNow: 60)
        while !FileManager.default.fileExists(atPath: socket), Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        #expect(FileManager.default.fileExists(atPath: socket), "the holder did not start")

        let context = RecordingContext()
        let config = JobConfig(["command": .array(["python3", "-c", .string(Self.program), .string(socket)]), "seed": 1])
        let summary = try Command.run(config, context: context)
        #expect(summary["exit_status"] == 0)
        #expect(context.reports.contains { $0.metrics == ["loss": 1] }, "\(context.reports)")
        #expect(holder.isRunning, "the holder still holds the program's stdout")
    }
}
