import Foundation

/// Debian's headless Chromium, driven as a user's browser would be: it loads the page,
/// runs its script (virtual time, so timers and fetches settle) and prints the DOM.
enum Chromium {
    /// The browser, or nil when it is not installed (`apt-get install chromium`).
    static let path: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// The DOM after the page's script ran for `budget` ms of virtual time.
    static func dumpDOM(_ url: String, budget: Int = 5000) throws -> String {
        try run(["--virtual-time-budget=\(budget)", "--dump-dom", url]).output
    }

    /// A PNG of the page at `size` (`1280,1500`).
    static func screenshot(_ url: String, to file: String, size: String, budget: Int = 5000) throws {
        _ = try run(["--virtual-time-budget=\(budget)", "--hide-scrollbars", "--window-size=\(size)", "--screenshot=\(file)", url])
    }

    /// Runs the browser on a throw-away profile; it may reach nothing but 127.0.0.1 (every
    /// other name fails to resolve, no proxy, no background services).
    static func run(_ arguments: [String]) throws -> (output: String, seconds: Double) {
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("sweep-chromium-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: profile) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path!)
        process.arguments = [
            "--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=\(profile.path)", "--no-proxy-server",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", "--disable-background-networking",
            "--disable-component-update", "--disable-default-apps", "--disable-extensions", "--disable-sync", "--no-first-run",
            "--disable-dev-shm-usage",
        ] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        let started = Date()
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (String(decoding: data, as: UTF8.self), Date().timeIntervalSince(started))
    }
}
