import Foundation

/// The secret a dashboard bound to a non-loopback address requires, since the store holds
/// configs and logs: 32 random bytes as hex, given once as `?token=` (the page then keeps
/// it in a cookie) or in an `X-Sweep-Token` header.
struct AccessToken: Sendable {
    let value: String

    /// A fresh token from the system's random source.
    init() {
        var generator = SystemRandomNumberGenerator()
        value = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }

    init(value: String) { self.value = value }

    static let cookieName = "sweep_token"

    /// Whether the request carries the token: in the query, the header or the cookie.
    func admits(_ request: HTTPRequest) -> Bool {
        let cookie = request.headers["cookie"].flatMap { header in
            header.split(separator: ";").lazy.map { $0.trimmingCharacters(in: .whitespaces) }
                .first { $0.hasPrefix(Self.cookieName + "=") }
                .map { String($0.dropFirst(Self.cookieName.count + 1)) }
        }
        return [request.query["token"], request.headers["x-sweep-token"], cookie].contains { $0.map(matches) ?? false }
    }

    /// Compares in time that depends only on the lengths, so a client cannot find the
    /// token byte by byte from response times.
    func matches(_ candidate: String) -> Bool {
        let a = Array(value.utf8), b = Array(candidate.utf8)
        var difference = UInt8(a.count == b.count ? 0 : 1)
        for index in 0..<a.count { difference |= a[index] ^ (index < b.count ? b[index] : 0) }
        return difference == 0
    }
}
