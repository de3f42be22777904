extension DashboardAssets {
    /// The page: a frame the script fills (no inline script or style, so the CSP can forbid both).
    static let html = #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>sweep</title>
        <link rel="stylesheet" href="/style.css">
        <script src="/app.js" defer></script>
        </head>
        <body>
        <header>
          <a class="brand" href="#/">sweep</a>
          <nav id="crumbs"></nav>
          <span id="live" class="live">loading…</span>
        </header>
        <main id="view"></main>
        <noscript>The dashboard needs JavaScript; the same data is at <a href="/api/sweeps">/api/sweeps</a>.</noscript>
        </body>
        </html>

        """#
}
