#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// An HTTP exchange over a plain loopback socket, so tests control every byte sent and see
/// every byte answered (and whether the server closed the connection).
struct RawHTTP {
    let port: Int

    struct Response {
        var status: Int
        var headers: [String: String]
        var body: String
        /// The server closed its side after answering.
        var closed: Bool
    }

    /// `GET path` with `Host: 127.0.0.1:port` and any extra headers.
    func get(_ path: String, headers: [String: String] = [:], method: String = "GET", timeout: Double = 10) throws -> Response {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        return try exchange(Array((head + "\r\n").utf8), timeout: timeout)
    }

    /// Sends `bytes`, then reads until the server closes (at most `timeout` seconds).
    func exchange(_ bytes: [UInt8], timeout: Double = 10) throws -> Response {
        let fd = try connect()
        defer { close(fd) }
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else { break }  // the server may close early on a huge request
            sent += count
        }
        return try read(fd, timeout: timeout)
    }

    /// An open connection (for tests that hold it, or send slowly).
    func connect() throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        } }
        guard rc == 0 else {
            close(fd)
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .ECONNREFUSED)
        }
        return fd
    }

    /// Reads one response until end of stream.
    func read(_ fd: Int32, timeout: Double) throws -> Response {
        var time = timeval(tv_sec: Int(timeout), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        var data: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        var closed = false
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count == 0 { closed = true; break }
            if count < 0 { closed = errno == ECONNRESET; break }
            data.append(contentsOf: chunk[..<count])
        }
        let text = String(decoding: data, as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n") else { return Response(status: 0, headers: [:], body: text, closed: closed) }
        let lines = text[..<split.lowerBound].components(separatedBy: "\r\n")
        let status = Int(lines.first?.split(separator: " ").dropFirst().first ?? "") ?? 0
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            if let colon = line.firstIndex(of: ":") {
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return Response(status: status, headers: headers, body: String(text[split.upperBound...]), closed: closed)
    }
}
