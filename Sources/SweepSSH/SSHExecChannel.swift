/// A remote command running in its own exec channel, with its standard streams open for as
/// long as it runs: write to its stdin at any time, read stdout and stderr as they arrive.
///
/// Obtained from `SSHSession.openExec(_:)` or `SSHSession.withExec(_:_:)`. The handle keeps
/// its session alive; the `ssh_channel` itself is owned, pumped and freed by the session on
/// the session's owner thread. Dropping the handle without `close()` leaves the remote command
/// running until it exits or the session closes.
public final class SSHExecChannel: Sendable {
    /// The command line the channel runs.
    public let command: String
    /// Output chunks in arrival order, then `.exit(status)`; the stream then finishes.
    ///
    /// It finishes by throwing `SSHError` of kind `.connectionLost` when the connection dies
    /// and `.closed` when the session is closed, and finishes without an exit event after
    /// `close()`. Single consumer: iterate it from one task. Chunks are buffered without
    /// bound until consumed.
    public let events: AsyncThrowingStream<SSHChannelEvent, any Error>
    /// The owning session.
    public let session: SSHSession
    let id: Int

    init(session: SSHSession, id: Int, command: String, events: AsyncThrowingStream<SSHChannelEvent, any Error>) {
        self.session = session
        self.id = id
        self.command = command
        self.events = events
    }

    /// Writes `bytes` to the command's standard input (`ssh_channel_write`).
    ///
    /// Returns once libssh has sent the bytes; blocks the session's owner thread while the
    /// remote window is full. Precondition: `closeInput()` was not called.
    /// - Throws: `SSHError` when the command has already ended (`.channel`) or the
    ///   connection is gone.
    public func write(_ bytes: [UInt8]) async throws {
        try await session.write(bytes, toChannel: id)
    }

    /// Writes `text` as UTF-8 to the command's standard input; see `write(_:)` for bytes.
    public func write(_ text: String) async throws {
        try await session.write(Array(text.utf8), toChannel: id)
    }

    /// Closes the command's standard input (`ssh_channel_send_eof`); output keeps flowing.
    public func closeInput() async throws {
        try await session.closeInput(ofChannel: id)
    }

    /// Closes the channel (`ssh_channel_close`) and frees it; the event stream finishes.
    /// Does nothing when the command already ended. The remote command sees its pipes close.
    public func close() async {
        await session.closeChannel(id)
    }
}
