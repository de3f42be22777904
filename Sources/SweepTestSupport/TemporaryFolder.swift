#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// A test's own folder under the system's temporary directory, removed with everything in
/// it when the last reference goes, however the test ended (also what the test made
/// read-only, and never what a symbolic link inside points at).
///
/// One recipe for every suite, instead of each making (and forgetting to remove) its own.
public final class TemporaryFolder: Sendable {
    public let url: URL
    public var path: String { url.path }

    /// Creates `<tmp>/<prefix>-<random>` (`mkdtemp`: a new name, never an existing folder),
    /// readable by other users as a plain `mkdir` would make it: some tests run a command
    /// inside it as a user who may only read.
    public init(_ prefix: String = "sweep-test") throws {
        var template = Array((FileManager.default.temporaryDirectory.path + "/\(prefix)-XXXXXXXX").utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: String(cString: template)])
        }
        chmod(made, 0o755)
        url = URL(fileURLWithPath: String(cString: made), isDirectory: true)
    }

    deinit {
        Self.remove(path)
    }

    /// `path` inside the folder.
    public func file(_ name: String) -> String {
        url.appendingPathComponent(name).path
    }

    /// Removes `path`: folders a test made read-only are made writable first, so their
    /// contents can go; links are removed, not followed.
    static func remove(_ path: String) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        if info.st_mode & S_IFMT == S_IFDIR {
            chmod(path, 0o700)
            for name in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] {
                remove(path + "/" + name)
            }
            rmdir(path)
        } else {
            unlink(path)
        }
    }
}
