import Foundation
import SweepCore
import Synchronization

/// `sweep serve`: the HTTP server with the dashboard's routes, over one store it only reads.
public final class Dashboard: Sendable {
    private let server: DashboardServer
    /// What to open: the page's address, with `?token=` when one is required.
    public let url: String

    /// Binds `host:port` and prepares the routes over the database at `databasePath` (which
    /// need not exist yet: the page says so until a sweep is launched).
    ///
    /// A host other than a loopback address requires a fresh random token (in `url`).
    /// - Parameter workloads: The workloads stored specs are read with (the main metric,
    ///   the report's tables).
    /// - Throws: `ServeError` when the address cannot be listened on.
    public convenience init(databasePath: String, host: String = "127.0.0.1", port: Int = 8080, workloads: [any Workload.Type],
                            limits: DashboardServer.Limits = DashboardServer.Limits()) throws(ServeError) {
        try self.init(databasePath: databasePath, host: host, port: port, workloads: workloads, limits: limits,
                      token: Self.isLoopback(host) ? nil : AccessToken())
    }

    /// With `token`, the dashboard requires it whatever the address (tests stay on loopback);
    /// `observe` sees each request before it is answered (tests change the store then).
    init(databasePath: String, host: String, port: Int, workloads: [any Workload.Type], limits: DashboardServer.Limits,
         token: AccessToken?, observe: (@Sendable (HTTPRequest) -> Void)? = nil) throws(ServeError) {
        let routes = DashboardRoutes(databasePath: databasePath, workloads: workloads, token: token)
        let server = try DashboardServer(host: host, port: port, limits: limits) { request in
            observe?(request)
            return routes.respond(to: request)
        }
        routes.allowedHosts.withLock { hosts in
            // Without a token, only the address it is bound to, and localhost when that is a
            // loopback address: a page elsewhere that rebinds its own name to it (DNS
            // rebinding) is refused.
            hosts = token != nil ? nil : Self.hostHeaders(host: host, port: server.port)
        }
        self.server = server
        url = "http://\(DashboardServer.display(host)):\(server.port)/" + (token.map { "?token=\($0.value)" } ?? "")
    }

    /// Serves until `stop()`.
    public func run() { server.run() }

    /// Stops accepting connections; `run()` returns.
    public func stop() { server.stop() }

    /// The `Host` headers a browser sends for `host:port`: the address as URLs write it,
    /// and `localhost` for a loopback address (without the port, too, for port 80).
    static func hostHeaders(host: String, port: Int) -> [String] {
        let names = [DashboardServer.display(host).lowercased()] + (isLoopback(host) ? ["localhost"] : [])
        return names.map { "\($0):\(port)" } + (port == 80 ? names : [])
    }

    /// 127.0.0.0/8 and ::1.
    static func isLoopback(_ host: String) -> Bool {
        host == "::1" || (host.hasPrefix("127.") && host.split(separator: ".").count == 4)
    }
}
