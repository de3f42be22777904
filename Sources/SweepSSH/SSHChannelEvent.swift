/// Something that happened on a streaming exec channel, in the order it arrived.
public enum SSHChannelEvent: Sendable, Equatable {
    /// A chunk of the remote command's standard output (arbitrary boundaries, not lines).
    case stdout([UInt8])
    /// A chunk of the remote command's standard error.
    case stderr([UInt8])
    /// The remote command ended and the channel closed. Always the last event.
    /// - `status`: the exit status, `-1` when it died from a signal or none was sent.
    /// - `signal`: the signal that killed it without the `SIG` prefix (`"KILL"`), else `nil`.
    case exit(status: Int32, signal: String?)
}
