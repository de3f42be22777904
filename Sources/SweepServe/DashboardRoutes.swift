import Foundation
import SweepCore
import SweepStore
import SweepViews
import Synchronization

/// The dashboard's routes: the page, its script and style, and the JSON API under `/api/`.
/// Every answer comes from a store opened read-only for that request (a WAL reader, which
/// never blocks the coordinator's writes), so the page shows the store as it is now.
final class DashboardRoutes: Sendable {
    let databasePath: String
    let workloads: [any Workload.Type]
    let token: AccessToken?
    /// `Host` headers accepted (nil: any, when a token guards the dashboard).
    let allowedHosts = Mutex<[String]?>(nil)
    /// Report and curve answers by URL, kept while the store is unchanged: the page asks
    /// again every time the store changes, and a 10,000-job report takes a while.
    let cache = Mutex<[String: (version: String, made: ContinuousClock.Instant, cost: Duration, response: HTTPResponse)]>([:])
    /// Each sweep's configurations, by sweep, for the spec revision they were computed from.
    let configs = Mutex<[Int64: (planHash: String, configs: SweepConfigs)]>([:])
    /// Jobs `/api/sweeps/NAME` lists at most (`sweep status --json` lists all): past it the
    /// answer says how many it left out, and `/api/sweeps/NAME/jobs` pages through them all.
    static let maxStatusJobs = 1_000

    init(databasePath: String, workloads: [any Workload.Type], token: AccessToken?) {
        self.databasePath = databasePath
        self.workloads = workloads
        self.token = token
    }

    func respond(to request: HTTPRequest) -> HTTPResponse {
        if let hosts = allowedHosts.withLock({ $0 }), !hosts.contains(request.headers["host"]?.lowercased() ?? "") {
            return .error(.misdirected, "this dashboard answers only as \(hosts.joined(separator: ", "))")
        }
        var response: HTTPResponse
        if let token {
            guard token.admits(request) else {
                return .error(.unauthorized, "this dashboard needs its token: open the URL sweep serve printed (with ?token=)")
            }
            response = route(request)
            // The page's own requests then carry it without ?token=.
            response.extraHeaders.append(("Set-Cookie", "\(AccessToken.cookieName)=\(token.value); Path=/; HttpOnly; SameSite=Strict"))
        } else {
            response = route(request)
        }
        return response
    }

    private func route(_ request: HTTPRequest) -> HTTPResponse {
        let parts = request.segments
        switch parts.first {
        case "", "index.html": return parts.count == 1 ? DashboardAssets.page : notFound(request)
        case "app.js": return DashboardAssets.script
        case "style.css": return DashboardAssets.style
        case "api": return api(Array(parts.dropFirst()), request)
        default: return notFound(request)
        }
    }

    private func notFound(_ request: HTTPRequest) -> HTTPResponse {
        .error(.notFound, "nothing at \(request.path)")
    }

    private func api(_ parts: [String], _ request: HTTPRequest) -> HTTPResponse {
        do {
            switch (parts.first, parts.count) {
            case ("version", 1): return .json(["version": .string(version())])
            case ("sweeps", 1): return .json(try JSONOutput.list(try openStore()))
            case ("sweeps", 2...): return try sweepRoute(parts, request)
            case ("jobs", 2): return try job(parts[1], sweep: nil, metrics: false)
            case ("jobs", 3) where parts[2] == "metrics": return try job(parts[1], sweep: nil, metrics: true)
            default: return notFound(request)
            }
        } catch let error as StoreError where error.kind == .notFound {
            return .error(.unavailable, error.description)
        } catch let error as DashboardError {
            return .error(error.status, error.message)
        } catch {
            return .error(.internalError, "\(error)")
        }
    }

    private func sweepRoute(_ parts: [String], _ request: HTTPRequest) throws -> HTTPResponse {
        let store = try openStore()
        guard let sweep = try store.sweep(named: parts[1]) else {
            throw DashboardError(.notFound, "no sweep named \"\(parts[1])\" in \(databasePath)")
        }
        switch (parts.count, parts.count > 2 ? parts[2] : "") {
        case (2, _): return .json(try JSONOutput.status(store, sweep: sweep, brief: request.query["brief"] == "1", jobLimit: Self.maxStatusJobs))
        case (3, "summary"): return .json(try summary(store, sweep: sweep))
        case (3, "jobs"): return .json(try jobsPage(store, sweep: sweep, query: request.query))
        case (4, "jobs"): return try job(parts[3], sweep: sweep, metrics: false, store: store)
        case (5, "jobs") where parts[4] == "metrics": return try job(parts[3], sweep: sweep, metrics: true, store: store)
        case (3, "report"): return try cached(request) { .json(try report(store, sweep: sweep)) }
        case (3, "curves"): return try cached(request) { .json(try curves(store, sweep: sweep, query: request.query)) }
        case (3, "best"): return try cached(request) { .json(try best(store, sweep: sweep, query: request.query)) }
        case (3, "trials"): return try cached(request) { .json(try trials(store, sweep: sweep)) }
        case (3, "compare"): return .json(try compare(store, sweep: sweep, query: request.query))
        default: return notFound(request)
        }
    }

    /// A job by number (or key prefix), through a sweep it must belong to, or alone.
    private func job(_ reference: String, sweep: SweepInfo?, metrics: Bool, store: StoreReader? = nil) throws -> HTTPResponse {
        let store = try store ?? openStore()
        guard let job = try store.job(reference), try sweep.map({ try store.sweep($0.id, contains: job.id) }) ?? true else {
            throw DashboardError(.notFound, "no job \(reference)" + (sweep.map { " in sweep \"\($0.name)\"" } ?? ""))
        }
        return .json(metrics ? try jobMetrics(store, job: job) : try JSONOutput.logs(store, job: job))
    }

    /// The answer for this URL from the cache while the store is unchanged, else made now.
    /// A changed store still gets the cached answer while it is younger than ten times what
    /// it took to make: a running sweep changes the store every few hundred milliseconds,
    /// and a 10,000-job report takes a while, so pages polling it would keep a core busy;
    /// a small sweep's answers stay fresh.
    private func cached(_ request: HTTPRequest, _ make: () throws -> HTTPResponse) throws -> HTTPResponse {
        let key = request.path + "?" + request.query.keys.sorted().map { "\($0)=\(request.query[$0]!)" }.joined(separator: "&")
        let now = version()
        if let hit = cache.withLock({ $0[key] }), hit.version == now || hit.made.duration(to: .now) < min(hit.cost * 10, .seconds(10)) {
            return hit.response
        }
        let started = ContinuousClock.now
        let response = try make()
        cache.withLock { entries in
            if entries.count >= 16 { entries.removeAll() }
            entries[key] = (now, started, started.duration(to: .now), response)
        }
        return response
    }

    /// The sweep's configurations, computed once per spec revision, and for a model-based
    /// search (whose plan hash names the search, not its jobs) once per number of trials' jobs.
    func configurations(_ store: StoreReader, sweep: SweepInfo) throws -> SweepConfigs {
        let key = sweep.planHash.hasPrefix("search-") ? sweep.planHash + ":\(try store.counts(of: sweep.id).total)" : sweep.planHash
        if let hit = configs.withLock({ $0[sweep.id] }), hit.planHash == key { return hit.configs }
        let computed = SweepConfigs(sweep: sweep, groups: try store.configGroups(of: sweep.id), workloads: workloads)
        configs.withLock { $0[sweep.id] = (key, computed) }
        return computed
    }

    /// A fresh read-only store: each request sees the latest commit, and a reader that
    /// opened the file as immutable (no coordinator then) is never kept past a launch.
    func openStore() throws(StoreError) -> StoreReader { try StoreReader(path: databasePath) }

    /// Changes whenever the store does: the database file's and its write-ahead log's size
    /// and modification time, and whether a coordinator holds it. The page polls it.
    func version() -> String {
        var parts: [String] = []
        for path in [databasePath, databasePath + "-wal"] {
            var info = stat()
            parts.append(stat(path, &info) == 0 ? "\(info.st_size).\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)" : "-")
        }
        parts.append(StoreReader.writer(databasePath: databasePath) == nil ? "idle" : "running")
        return parts.joined(separator: ":")
    }
}

/// A request the API cannot answer: its status and why.
struct DashboardError: Error {
    var status: HTTPStatus
    var message: String

    init(_ status: HTTPStatus, _ message: String) {
        self.status = status
        self.message = message
    }
}
