/// The page, its script and its style, compiled into the binary: the dashboard needs no
/// network and no files beside the store.
///
/// They are edited as `Assets/index.html`, `Assets/app.js` and `Assets/style.css`; SwiftPM's
/// `embedInCode` rule turns each into a `[UInt8]` constant of the generated `PackageResources`
/// at build time, so the shipped binary is still one file (no `Bundle.module`, which would need
/// a resource folder next to it). The page has no inline script or style, so the CSP can forbid
/// both; the script makes every element with createElement/createElementNS and text nodes,
/// never innerHTML.
enum DashboardAssets {
    static let page = HTTPResponse(status: .ok, contentType: "text/html; charset=utf-8", body: PackageResources.index_html)
    static let script = HTTPResponse(status: .ok, contentType: "text/javascript; charset=utf-8", body: PackageResources.app_js)
    static let style = HTTPResponse(status: .ok, contentType: "text/css; charset=utf-8", body: PackageResources.style_css)
}
