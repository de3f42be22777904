import CLibSSH

extension SSHSession {
    /// Runs a short command to completion and collects its output (`ssh_channel_request_exec`).
    ///
    /// The command gets an empty standard input. Suitable for `uname -m`, `nproc`,
    /// `sha256sum FILE`; use `openExec(_:)` for long-running or interactive commands.
    /// - Parameter command: A shell command line, run by the remote user's shell.
    /// - Returns: stdout, stderr and the exit status; a non-zero status is not an error.
    /// - Throws: `SSHError` when the channel cannot be opened or the connection dies.
    public func run(_ command: String) async throws -> SSHCommandResult {
        let channel = try openExec(command)
        try closeInput(ofChannel: channel.id)
        var result = SSHCommandResult(stdout: [], stderr: [], exitStatus: -1)
        for try await event in channel.events {
            switch event {
            case .stdout(let bytes): result.stdout += bytes
            case .stderr(let bytes): result.stderr += bytes
            case .exit(let status, let signal): (result.exitStatus, result.exitSignal) = (status, signal)
            }
        }
        return result
    }

    /// Starts `command` in a new exec channel whose streams stay open while it runs
    /// (`ssh_channel_open_session` + `ssh_channel_request_exec`).
    ///
    /// The session reads the channel on its owner thread between other requests and delivers
    /// output through `SSHExecChannel.events`. Call `SSHExecChannel.close()` or let the command
    /// exit; prefer `withExec(_:_:)`, which closes for you.
    /// - Throws: `SSHError` of kind `.channel` when the server refuses the channel or command.
    public func openExec(_ command: String) throws -> SSHExecChannel {
        precondition(!command.isEmpty, "openExec needs a command")
        let handle = try liveHandle("ssh_channel_new")
        guard let pointer = ssh_channel_new(handle) else {
            throw lastError("ssh_channel_new", .channel)
        }
        let (events, continuation) = AsyncThrowingStream<SSHChannelEvent, any Error>.makeStream()
        let record = ExecChannelRecord(pointer: pointer, continuation: continuation)
        do {
            try check(ssh_channel_open_session(pointer), "ssh_channel_open_session", .channel)
            try check(ssh_channel_request_exec(pointer, command), "ssh_channel_request_exec", .channel)
        } catch {
            ssh_channel_free(pointer)
            throw error
        }
        let id = nextChannelID
        nextChannelID += 1
        channels[id] = record
        startPumping()
        return SSHExecChannel(session: self, id: id, command: command, events: events)
    }

    /// Runs `body` with a streaming channel for `command` and closes the channel afterwards,
    /// also when `body` throws.
    public nonisolated func withExec<Result: Sendable>(
        _ command: String, _ body: @Sendable (SSHExecChannel) async throws -> Result
    ) async throws -> Result {
        let channel = try await openExec(command)
        do {
            let result = try await body(channel)
            await channel.close()
            return result
        } catch {
            await channel.close()
            throw error
        }
    }

    func write(_ bytes: [UInt8], toChannel id: Int) throws {
        try bytes.withUnsafeBytes { try write($0, toChannel: id) }
    }

    func write(_ raw: UnsafeRawBufferPointer, toChannel id: Int) throws {
        _ = try liveHandle("ssh_channel_write")
        guard let record = channels[id] else {
            throw SSHError(kind: .channel, function: "ssh_channel_write", message: "the remote command has already ended", host: endpoint)
        }
        precondition(!record.inputClosed, "SSHExecChannel.write after closeInput()")
        var offset = 0
        while offset < raw.count {
            let written = try check(
                ssh_channel_write(record.pointer, raw.baseAddress! + offset, UInt32(clamping: raw.count - offset)),
                "ssh_channel_write", .channel)
            offset += Int(written)
        }
    }

    func closeInput(ofChannel id: Int) throws {
        _ = try liveHandle("ssh_channel_send_eof")
        guard let record = channels[id], !record.inputClosed else { return }
        record.inputClosed = true
        try check(ssh_channel_send_eof(record.pointer), "ssh_channel_send_eof", .channel)
    }

    func closeChannel(_ id: Int) {
        guard let record = channels.removeValue(forKey: id) else { return }
        record.continuation.finish()
        release(record)
    }

    /// Sends our close (when the connection is up) and frees the channel.
    private func release(_ record: ExecChannelRecord) {
        if let handle, isAlive(handle) {
            _ = ssh_channel_close(record.pointer)
        }
        ssh_channel_free(record.pointer)
    }

    /// Ends every channel's event stream with `error` and frees the channels.
    func finishAllChannels(with error: SSHError) {
        let records = channels.values
        channels.removeAll()
        for record in records {
            record.continuation.finish(throwing: error)
            release(record)
        }
    }

    /// Whether the connection is still up (`ssh_get_status` reports neither close nor error).
    func isAlive(_ handle: OpaquePointer) -> Bool {
        ssh_get_status(handle) & (SSH_CLOSED | SSH_CLOSED_ERROR) == 0
    }

    private func startPumping() {
        guard !isPumping else { return }
        isPumping = true
        Task { await self.pump() }
    }

    /// Moves channel output into the event streams while channels are open: drains what
    /// arrived, then parks on the owner thread until the socket is readable, another request
    /// ran, or a keepalive is due.
    private func pump() async {
        while let handle, failure == nil, !channels.isEmpty {
            let moreBuffered = drainChannels(handle)
            guard self.handle != nil, failure == nil, !channels.isEmpty else { break }
            if moreBuffered {
                // A chatty channel hit its per-round limit: let queued requests run first.
                await owner.yield()
            } else {
                await owner.waitForActivity(on: ssh_get_fd(handle), until: nextKeepalive)
            }
            sendKeepaliveIfDue()
        }
        isPumping = false
    }

    /// Delivers buffered output, finishes channels the remote closed; true when some channel
    /// still has output buffered after its per-round limit.
    private func drainChannels(_ handle: OpaquePointer) -> Bool {
        if let event {
            // Processes packets already on the socket even for channels at EOF, whose
            // ssh_channel_read_nonblocking no longer reads the socket.
            _ = ssh_event_dopoll(event, 0)
        }
        var moreBuffered = false
        for (id, record) in channels {
            let stdout = drain(record, isStderr: false)
            let stderr = drain(record, isStderr: true)
            guard isAlive(handle) else { break }
            if stdout == .limited || stderr == .limited {
                moreBuffered = true
                continue
            }
            if ssh_channel_is_closed(record.pointer) != 0 {
                // OpenSSH sends exit-status before CHANNEL_CLOSE, so it is known by now.
                let status = ssh_channel_get_exit_status(record.pointer)
                channels[id] = nil
                record.continuation.yield(.exit(status: status, signal: record.exitSignal))
                record.continuation.finish()
                release(record)
            } else if stdout == .failed || stderr == .failed {
                channels[id] = nil
                record.continuation.finish(throwing: lastError("ssh_channel_read_nonblocking", .channel))
                release(record)
            }
        }
        if !isAlive(handle) {
            connectionLost(lastError("ssh_channel_read_nonblocking", .connectionLost))
            return false
        }
        return moreBuffered
    }

    private enum DrainOutcome { case empty, limited, failed }

    /// Reads at most this many buffers (64 KiB each) per stream and round, so one flooding
    /// channel cannot starve writes and other requests.
    private static let readsPerRound = 16

    /// Delivers what is buffered on one stream of a channel, up to `readsPerRound` buffers.
    private func drain(_ record: ExecChannelRecord, isStderr: Bool) -> DrainOutcome {
        for _ in 0..<Self.readsPerRound {
            let count = ssh_channel_read_nonblocking(
                record.pointer, readBuffer.baseAddress, UInt32(readBuffer.count), isStderr ? 1 : 0)
            guard count > 0 else { return count == 0 || count == SSH_EOF ? .empty : .failed }
            let bytes = Array(UnsafeRawBufferPointer(rebasing: readBuffer[..<Int(count)]))
            record.continuation.yield(isStderr ? .stderr(bytes) : .stdout(bytes))
        }
        return .limited
    }

    /// Sends `SSH_MSG_IGNORE` when due; with `TCP_USER_TIMEOUT` set, a peer that stops
    /// acknowledging makes the socket fail, which the pump reports as a lost connection.
    private func sendKeepaliveIfDue() {
        guard let handle, failure == nil, ContinuousClock.now >= nextKeepalive else { return }
        nextKeepalive = .now + target.keepaliveInterval
        if ssh_send_ignore(handle, "") != SSH_OK {
            connectionLost(lastError("ssh_send_ignore", .connectionLost))
        }
    }

    private func connectionLost(_ error: SSHError) {
        var error = error
        error.kind = .connectionLost
        if failure == nil { failure = error }
        finishAllChannels(with: error)
    }
}
