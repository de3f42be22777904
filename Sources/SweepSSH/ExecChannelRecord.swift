import CLibSSH

/// A streaming exec channel as the session tracks it; only touched on the owner thread.
///
/// The record outlives its `ssh_channel` (the session frees the channel before dropping the
/// record), so the callbacks libssh holds stay valid.
final class ExecChannelRecord {
    /// The `ssh_channel`, owned by the session; freed when the record is removed.
    let pointer: OpaquePointer
    let continuation: AsyncThrowingStream<SSHChannelEvent, any Error>.Continuation
    var inputClosed = false
    /// Set by libssh's exit-signal callback while packets are processed on the owner thread.
    var exitSignal: String?
    /// Callbacks registered with `ssh_set_channel_callbacks`; only the exit signal is
    /// observed, output stays in libssh's buffers for `ssh_channel_read_nonblocking`.
    private let callbacks: UnsafeMutablePointer<ssh_channel_callbacks_struct>

    init(pointer: OpaquePointer, continuation: AsyncThrowingStream<SSHChannelEvent, any Error>.Continuation) {
        self.pointer = pointer
        self.continuation = continuation
        callbacks = .allocate(capacity: 1)
        var table = ssh_channel_callbacks_struct()
        table.size = MemoryLayout<ssh_channel_callbacks_struct>.size  // what ssh_callbacks_init does
        table.userdata = Unmanaged.passUnretained(self).toOpaque()
        table.channel_exit_signal_function = { _, _, signal, _, _, _, userdata in
            let record = Unmanaged<ExecChannelRecord>.fromOpaque(userdata!).takeUnretainedValue()
            record.exitSignal = signal.map { String(cString: $0) }
        }
        callbacks.initialize(to: table)
        _ = ssh_set_channel_callbacks(pointer, callbacks)
    }

    deinit {
        callbacks.deallocate()
    }
}
