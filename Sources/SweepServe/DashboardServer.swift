#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization

/// A small HTTP/1.1 server on POSIX sockets for the dashboard: GET and HEAD only, one
/// request per connection, every input bounded (head size, target length, header count,
/// time to send the head, concurrent connections). Each connection is served on its own
/// thread, as the answers come from blocking SQLite reads.
///
/// Why not swift-nio or Hummingbird: a read-only page needs none of HTTP's hard parts
/// (bodies, keep-alive, pipelining, TLS), and either would add minutes to the release build
/// (see docs/design.md, Why no HTTP library).
public final class DashboardServer: Sendable {
    /// Bounds on clients.
    public struct Limits: Sendable {
        /// Connections served at once; more are answered 503 and closed.
        public var connections = 32
        /// Seconds a client has to send its whole request head.
        public var headSeconds = 10.0
        /// Seconds one send may block on a client that does not read.
        public var sendSeconds = 10.0
        var request = HTTPRequest.Limits()

        public init() {}
    }

    /// The address it listens on, with the port the kernel chose for port 0.
    public let host: String
    public let port: Int
    private let listener: Int32
    private let limits: Limits
    private let handler: @Sendable (HTTPRequest) -> HTTPResponse
    private let active = Mutex(0)
    private let stopping = Atomic<Bool>(false)

    /// Binds and listens on `host:port` (a numeric IPv4 or IPv6 address).
    ///
    /// - Throws: `ServeError` naming the address: not numeric, in use, not permitted.
    init(host: String, port: Int, limits: Limits = Limits(), handler: @escaping @Sendable (HTTPRequest) -> HTTPResponse) throws(ServeError) {
        guard (0...65535).contains(port) else { throw ServeError("--port: expected a port from 0 to 65535, got \(port)", isUsage: true) }
        var hints = addrinfo()
        hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let info = list else {
            throw ServeError("--host: expected a numeric IPv4 or IPv6 address (127.0.0.1, 0.0.0.0, ::1), got \"\(host)\"", isUsage: true)
        }
        defer { freeaddrinfo(list) }
        let fd = socket(info.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw ServeError("cannot open a socket: \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        guard bind(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0, listen(fd, 64) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw ServeError("cannot listen on \(Self.display(host)):\(port): \(reason)" + (port < 1024 ? " (ports below 1024 need root)" : ""))
        }
        var address = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        let bound = withUnsafePointer(to: &address) { pointer -> Int in
            pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin_port)) }
        }
        self.host = host
        self.port = bound
        listener = fd
        self.limits = limits
        self.handler = handler
    }

    /// `[::1]` for an IPv6 address, as URLs write it.
    static func display(_ host: String) -> String { host.contains(":") ? "[\(host)]" : host }

    /// Accepts connections until `stop()`; each is served on a thread of its own.
    public func run() {
        while !stopping.load(ordering: .acquiring) {
            let client = accept(listener, nil, nil)
            if client >= 0 { _ = fcntl(client, F_SETFD, FD_CLOEXEC) }  // no child process inherits it
            if client < 0 {
                if errno == EINTR || errno == ECONNABORTED || errno == EMFILE || errno == ENFILE {
                    if errno == EMFILE || errno == ENFILE { usleep(50_000) }
                    continue
                }
                break
            }
            let admitted = active.withLock { count -> Bool in
                guard count < limits.connections else { return false }
                count += 1
                return true
            }
            guard admitted else {
                setTimeouts(client, receive: 1, send: 1)
                send(client, HTTPResponse.error(.unavailable, "too many connections; try again").serialized(includeBody: true))
                close(client)
                continue
            }
            Thread.detachNewThread { [self] in
                serve(client)
                close(client)
                active.withLock { $0 -= 1 }
            }
        }
        close(listener)
        // The answers being sent get up to 2 s to finish before the caller exits.
        for _ in 0..<40 where active.withLock({ $0 }) > 0 { usleep(50_000) }
    }

    /// Stops accepting; `run()` returns once the connections being served finish (2 s at most).
    public func stop() {
        stopping.store(true, ordering: .releasing)
        shutdown(listener, Int32(SHUT_RDWR))
    }

    /// Reads one request head within the limits, answers it, and closes politely.
    private func serve(_ client: Int32) {
        setTimeouts(client, receive: 1, send: limits.sendSeconds)
        let deadline = Date(timeIntervalSinceNow: limits.headSeconds)
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        var end: Int?
        while end.map({ $0 > limits.request.headBytes }) ?? true {
            guard buffer.count <= limits.request.headBytes, end == nil else {
                return answer(client, .error(.headersTooLarge, "the request head is longer than \(limits.request.headBytes) bytes"), head: false)
            }
            guard Date() < deadline else {
                return answer(client, .error(.requestTimeout, "the request head did not arrive within \(Int(limits.headSeconds)) s"), head: false)
            }
            let count = chunk.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
            if count == 0 { return }  // closed before a whole request
            if count < 0 {
                if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { continue }
                return
            }
            buffer.append(contentsOf: chunk[..<count])
            end = HTTPRequest.headEnd(in: buffer)
        }
        let request: HTTPRequest
        do {
            request = try HTTPRequest(head: buffer[..<end!], limits: limits.request)
        } catch {
            return answer(client, .error(error.status, error.reason), head: false)
        }
        guard request.method == "GET" || request.method == "HEAD" else {
            var response = HTTPResponse.error(.methodNotAllowed, "\(request.method) is not allowed: the dashboard only reads (GET, HEAD)")
            response.extraHeaders.append(("Allow", "GET, HEAD"))
            return answer(client, response, head: false)
        }
        answer(client, handler(request), head: request.method == "HEAD")
    }

    /// Sends the response, then drains what the client still sends (at most 256 KiB, 1 s) so
    /// closing does not reset the connection before it has read the answer.
    private func answer(_ client: Int32, _ response: HTTPResponse, head: Bool) {
        send(client, response.serialized(includeBody: !head))
        shutdown(client, Int32(SHUT_WR))
        setTimeouts(client, receive: 1, send: 1)
        var chunk = [UInt8](repeating: 0, count: 4096)
        var drained = 0
        while drained < 256 * 1024 {
            let count = chunk.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            drained += count
        }
    }

    private func send(_ client: Int32, _ bytes: [UInt8]) {
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { Glibc.send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { return }
            sent += count
        }
    }

    private func setTimeouts(_ client: Int32, receive: Double, send: Double) {
        for (option, seconds) in [(SO_RCVTIMEO, receive), (SO_SNDTIMEO, send)] {
            var time = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - seconds.rounded(.down)) * 1e6))
            setsockopt(client, SOL_SOCKET, option, &time, socklen_t(MemoryLayout<timeval>.size))
        }
    }
}

/// Why the dashboard cannot start: a message naming the option or address.
public struct ServeError: Error, CustomStringConvertible {
    public var description: String
    /// The option's value is wrong (not the machine's state): bad usage.
    public var isUsage: Bool

    init(_ description: String, isUsage: Bool = false) {
        self.description = description
        self.isUsage = isUsage
    }
}
