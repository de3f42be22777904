/// What SFTP `stat` reports about a remote path.
public struct SSHRemoteFileInfo: Sendable, Equatable {
    /// Size in bytes.
    public var size: UInt64
    /// Permission bits (`0o755`), without the file-type bits.
    public var permissions: UInt32
    /// Whether the path is a directory.
    public var isDirectory: Bool

    /// Creates a file description from its parts.
    public init(size: UInt64, permissions: UInt32, isDirectory: Bool) {
        self.size = size
        self.permissions = permissions
        self.isDirectory = isDirectory
    }
}
