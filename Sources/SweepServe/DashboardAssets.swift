/// The page, its script and its style, compiled into the binary: the dashboard needs no
/// network and no files beside the store.
enum DashboardAssets {
    static let page = HTTPResponse(status: .ok, contentType: "text/html; charset=utf-8", body: Array(html.utf8))
    static let script = HTTPResponse(status: .ok, contentType: "text/javascript; charset=utf-8", body: Array(javascript.utf8))
    static let style = HTTPResponse(status: .ok, contentType: "text/css; charset=utf-8", body: Array(css.utf8))
}
