import Foundation

/// One HTTP/1.x request head, parsed within the server's limits. The dashboard only reads:
/// GET and HEAD, no body, one request per connection.
struct HTTPRequest: Sendable {
    var method: String
    /// The path, percent-decoded per segment (`/api/sweeps/dist`), for messages and cache keys.
    var path: String
    /// The path's segments after the leading `/`, each percent-decoded on its own: a `%2F`
    /// stays inside its segment (and is refused), never splits one.
    var segments: [String]
    /// Query parameters, decoded (`+` is a space); a name given twice keeps its first value.
    var query: [String: String]
    /// Header names lowercased; a header given twice keeps its first value.
    var headers: [String: String]

    /// A request the server refuses before routing: the status and why.
    struct Refusal: Error, Equatable {
        var status: HTTPStatus
        var reason: String
    }

    /// Bounds on what a request may hold.
    struct Limits: Sendable {
        /// The request line and headers together, in bytes.
        var headBytes = 16 * 1024
        /// The request target (path and query), in bytes.
        var targetBytes = 2048
        var headerCount = 64
    }

    /// Where the head ends in `bytes`: the index just past the blank line, or nil while it
    /// has not arrived.
    static func headEnd(in bytes: [UInt8]) -> Int? {
        var index = 0
        while index + 1 < bytes.count {
            if bytes[index] == 0x0A {
                if bytes[index + 1] == 0x0A { return index + 2 }
                if bytes[index + 1] == 0x0D, index + 2 < bytes.count, bytes[index + 2] == 0x0A { return index + 3 }
            }
            index += 1
        }
        return nil
    }

    /// Parses a complete head (up to and including its blank line).
    init(head: ArraySlice<UInt8>, limits: Limits) throws(Refusal) {
        // Only printable ASCII, tabs and line ends: anything else is not HTTP/1.
        guard head.allSatisfy({ $0 == 0x09 || $0 == 0x0A || $0 == 0x0D || (0x20...0x7E).contains($0) }) else {
            throw Refusal(status: .badRequest, reason: "the request head holds bytes that are not printable ASCII")
        }
        // Lines split on the bytes: as Characters, "\r\n" is one and would not split on "\n".
        var lines = head.split(separator: 0x0A, omittingEmptySubsequences: false).map { line in
            Substring(decoding: line.last == 0x0D ? line.dropLast() : line, as: UTF8.self)
        }
        while lines.last?.isEmpty == true { lines.removeLast() }
        guard let requestLine = lines.first else { throw Refusal(status: .badRequest, reason: "an empty request") }
        let parts = requestLine.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, parts[2] == "HTTP/1.1" || parts[2] == "HTTP/1.0" else {
            throw Refusal(status: .badRequest, reason: "expected a request line \"METHOD /path HTTP/1.1\"")
        }
        method = String(parts[0])
        let target = parts[1]
        guard target.utf8.count <= limits.targetBytes else {
            throw Refusal(status: .uriTooLong, reason: "the request target is longer than \(limits.targetBytes) bytes")
        }
        guard target.hasPrefix("/") else { throw Refusal(status: .badRequest, reason: "the request target must start with /") }
        guard lines.count - 1 <= limits.headerCount else {
            throw Refusal(status: .headersTooLarge, reason: "more than \(limits.headerCount) headers")
        }
        headers = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":"), colon != line.startIndex,
                  !line[..<colon].contains(where: { $0 == " " || $0 == "\t" }) else {
                throw Refusal(status: .badRequest, reason: "a header line without a name and a colon")
            }
            let name = line[..<colon].lowercased()
            if headers[name] == nil { headers[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces) }
        }
        let pathPart = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        segments = []
        for (i, raw) in pathPart[0].split(separator: "/", omittingEmptySubsequences: false).dropFirst().enumerated() {
            // Strict: a name that decodes to a NUL (which SQLite would cut the name at) or to a
            // `/` would find another sweep or job than the one written.
            guard let segment = Self.decode(raw, plusIsSpace: false) else {
                throw Refusal(status: .badRequest, reason: "path segment \(i + 1): a malformed percent escape, or bytes that are not UTF-8")
            }
            if let bad = segment.unicodeScalars.first(where: { $0 == "/" || $0.value < 0x20 || $0.value == 0x7F }) {
                let what = bad == "/" ? "a \"/\" (%2F)" : "a control character (U+\(String(format: "%04X", bad.value)))"
                throw Refusal(status: .badRequest, reason: "path segment \(i + 1) decodes to \(what): names never hold one")
            }
            segments.append(segment)
        }
        path = "/" + segments.joined(separator: "/")
        query = [:]
        if pathPart.count == 2 {
            for pair in pathPart[1].split(separator: "&") {
                let nameValue = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard let name = Self.decode(nameValue[0], plusIsSpace: true),
                      let value = Self.decode(nameValue.count == 2 ? nameValue[1] : "", plusIsSpace: true) else {
                    throw Refusal(status: .badRequest, reason: "a malformed percent escape, or bytes that are not UTF-8, in the query")
                }
                guard !name.unicodeScalars.contains("\0"), !value.unicodeScalars.contains("\0") else {
                    throw Refusal(status: .badRequest, reason: "the query decodes to a NUL (%00): names never hold one")
                }
                if query[name] == nil { query[name] = value }
            }
        }
        // Bodies are never read: a request announcing one is refused rather than left in the socket.
        if headers["transfer-encoding"] != nil || (headers["content-length"].map { $0 != "0" } ?? false) {
            throw Refusal(status: .contentTooLarge, reason: "this server accepts no request bodies")
        }
    }

    /// Percent-decodes `text`; nil for a malformed escape or bytes that are not UTF-8.
    static func decode(_ text: Substring, plusIsSpace: Bool) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(Self.hexValue), let low = iterator.next().flatMap(Self.hexValue) else { return nil }
                bytes.append(high << 4 | low)
            case UInt8(ascii: "+") where plusIsSpace:
                bytes.append(UInt8(ascii: " "))
            default:
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
