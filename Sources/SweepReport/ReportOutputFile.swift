import Foundation

/// One report file being written with POSIX calls, so every failure is an errno that
/// `ReportOutputError` can put in words. Created exclusively (`O_EXCL`: never through a
/// link someone left in the staging folder); used and closed within `write(_:_:)`.
struct ReportOutputFile {
    let path: String
    private let descriptor: Int32

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    /// Creates the file at `path`, hands it to `body`, and closes it, also when `body` throws.
    static func write(_ path: String, _ body: (ReportOutputFile) throws -> Void) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw ReportOutputError.system(path, "create the file", code: errno) }
        let file = ReportOutputFile(path: path, descriptor: descriptor)
        do {
            try body(file)
        } catch {
            _ = close(descriptor)
            throw error
        }
        guard close(descriptor) == 0 else { throw ReportOutputError.system(path, "write the file", code: errno) }
    }

    /// Writes all of `bytes`, retrying short writes and interruptions.
    func write(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let written = Foundation.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw ReportOutputError.system(path, "write the file", code: errno)
            }
            offset += written
        }
    }

    /// Writes a text buffer's bytes.
    func write(_ text: TextBuffer) throws {
        try text.withBytes { try write(UnsafeRawBufferPointer($0)) }
    }

    func write(_ text: String) throws {
        var text = text
        try text.withUTF8 { try write(UnsafeRawBufferPointer($0)) }
    }
}
