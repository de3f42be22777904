#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization

/// A pseudo-terminal for `sweep`'s stdout and stderr: `isatty` is true there, as in a
/// user's shell, and the test reads every byte written to it (without the terminal's
/// `\n` to `\r\n` translation). `hangUp()` closes the terminal's side, as a closed window
/// does: writes to it then fail with EIO.
final class PseudoTerminal: Sendable {
    /// The terminal side, handed to the child; the test's copy is closed once it started.
    let terminal: FileHandle
    private let controller: Int32
    private let output = Output()
    private let done = DispatchSemaphore(value: 0)
    private let hungUp = Atomic(false)

    init() throws {
        // posix_openpt and friends are not in Swift's Glibc module: found by name.
        typealias Call = @convention(c) (Int32) -> Int32
        typealias Name = @convention(c) (Int32) -> UnsafeMutablePointer<CChar>?
        func function<T>(_ name: String, _: T.Type) throws -> T {
            guard let symbol = dlsym(nil, name) else { throw CocoaError(.featureUnsupported) }
            return unsafeBitCast(symbol, to: T.self)
        }
        controller = try function("posix_openpt", Call.self)(O_RDWR | O_NOCTTY)
        guard controller >= 0, try function("grantpt", Call.self)(controller) == 0,
              try function("unlockpt", Call.self)(controller) == 0,
              let name = try function("ptsname", Name.self)(controller) else { throw CocoaError(.fileNoSuchFile) }
        let fd = open(name, O_RDWR | O_NOCTTY)
        guard fd >= 0 else { throw CocoaError(.fileNoSuchFile) }
        var settings = termios()
        tcgetattr(fd, &settings)
        settings.c_oflag &= ~tcflag_t(OPOST)
        tcsetattr(fd, TCSANOW, &settings)
        terminal = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        let controller = controller, output = output, done = done
        Thread.detachNewThread {
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = read(controller, &buffer, buffer.count)
                if n < 0, errno == EINTR { continue }
                guard n > 0 else { break }  // EIO: every copy of the terminal side is closed
                output.bytes.withLock { $0.append(contentsOf: buffer[..<n]) }
            }
            done.signal()
        }
    }

    /// Closes the controller side: the child's terminal is gone.
    func hangUp() {
        guard !hungUp.exchange(true, ordering: .relaxed) else { return }
        close(controller)
    }

    /// Everything written so far, once the child has exited (waits for the reader, at most 30 s).
    var text: String {
        _ = done.wait(timeout: .now() + 30)
        return String(decoding: output.bytes.withLock { $0 }, as: UTF8.self)
    }

    private final class Output: Sendable {
        let bytes = Mutex(Data())
    }

    deinit {
        if !hungUp.load(ordering: .relaxed) { close(controller) }
    }
}
