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

extension Chromium {
    /// Opens `url` and returns what `expression` (a script run in the page, which may return a
    /// promise) gives, as JSON values: drives the page as a user would, through the DevTools
    /// protocol over a pipe (fds 3 and 4, NUL-separated messages: no port, no websocket).
    /// `seconds` only guards against a hang.
    static func evaluate(_ url: String, _ expression: String, seconds: Int32 = 120) throws -> Any {
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("sweep-chromium-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: profile) }
        var toBrowser: [Int32] = [0, 0], fromBrowser: [Int32] = [0, 0]
        guard pipe(&toBrowser) == 0, pipe(&fromBrowser) == 0 else { throw DevToolsError("pipe: errno \(errno)") }
        for fd in toBrowser + fromBrowser { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        defer { for fd in [toBrowser[1], fromBrowser[0]] { close(fd) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        // Through fds above 4, so neither dup2 overwrites the other's source.
        let (reads, writes) = (fcntl(toBrowser[0], F_DUPFD_CLOEXEC, 10), fcntl(fromBrowser[1], F_DUPFD_CLOEXEC, 10))
        close(toBrowser[0]); close(fromBrowser[1])
        posix_spawn_file_actions_adddup2(&actions, reads, 3)
        posix_spawn_file_actions_adddup2(&actions, writes, 4)
        let arguments = [path!, "--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=\(profile.path)", "--no-proxy-server",
                         "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", "--disable-background-networking",
                         "--disable-component-update", "--disable-default-apps", "--disable-extensions", "--disable-sync", "--no-first-run",
                         "--disable-dev-shm-usage", "--remote-debugging-pipe", "about:blank"]
        var argv = arguments.map { strdup($0) } + [nil]
        defer { for arg in argv { free(arg) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, path!, &actions, nil, &argv, environ)
        close(reads); close(writes)
        guard spawned == 0 else { throw DevToolsError("posix_spawn: \(spawned)") }
        var session = DevToolsPipe(write: toBrowser[1], read: fromBrowser[0], deadline: Date().addingTimeInterval(Double(seconds)))
        defer {
            session.sessionID = nil  // a browser command, not the page's
            _ = try? session.send(["method": "Browser.close"])
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == 0 { usleep(500_000) }
            if waitpid(pid, &status, WNOHANG) == 0 { kill(pid, SIGKILL); waitpid(pid, &status, 0) }
        }
        let target = try session.call("Target.createTarget", ["url": url])
        guard let targetID = target["targetId"] as? String else { throw DevToolsError("Target.createTarget: \(target)") }
        let attached = try session.call("Target.attachToTarget", ["targetId": targetID, "flatten": true])
        guard let sessionID = attached["sessionId"] as? String else { throw DevToolsError("Target.attachToTarget: \(attached)") }
        session.sessionID = sessionID
        // Run before or while the page loads, the script dies with about:blank's context: again then.
        var answer: [String: Any] = [:]
        for attempt in 1... {
            do {
                answer = try session.call("Runtime.evaluate", ["expression": expression, "awaitPromise": true, "returnByValue": true])
                break
            } catch let error as DevToolsError where error.description.contains("context") && attempt < 50 {
                usleep(100_000)
            }
        }
        if let thrown = answer["exceptionDetails"] { throw DevToolsError("the script threw: \(thrown)") }
        return (answer["result"] as? [String: Any])?["value"] ?? NSNull()
    }
}

struct DevToolsError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The DevTools protocol's messages over `--remote-debugging-pipe`: JSON, each ended by a NUL.
struct DevToolsPipe {
    let write: Int32
    let read: Int32
    let deadline: Date
    var sessionID: String?
    var nextID = 1
    var buffer: [UInt8] = []

    init(write: Int32, read: Int32, deadline: Date) {
        self.write = write
        self.read = read
        self.deadline = deadline
    }

    @discardableResult
    mutating func send(_ message: [String: Any]) throws -> Int {
        var message = message
        message["id"] = nextID
        if let sessionID { message["sessionId"] = sessionID }
        nextID += 1
        var bytes = [UInt8](try JSONSerialization.data(withJSONObject: message)) + [0]
        while !bytes.isEmpty {
            let written = Glibc.write(write, bytes, bytes.count)
            guard written > 0 else { throw DevToolsError("writing to the browser: errno \(errno)") }
            bytes.removeFirst(written)
        }
        return message["id"] as! Int
    }

    /// Sends a command and returns its result, skipping the events that arrive meanwhile.
    mutating func call(_ method: String, _ params: [String: Any]) throws -> [String: Any] {
        let id = try send(["method": method, "params": params])
        while true {
            while let end = buffer.firstIndex(of: 0) {
                let message = try JSONSerialization.jsonObject(with: Data(buffer[..<end])) as? [String: Any] ?? [:]
                buffer.removeSubrange(...end)
                guard message["id"] as? Int == id else { continue }
                if let error = message["error"] { throw DevToolsError("\(method): \(error)") }
                return message["result"] as? [String: Any] ?? [:]
            }
            var poller = pollfd(fd: read, events: Int16(POLLIN), revents: 0)
            let left = Int32(max(0, deadline.timeIntervalSinceNow) * 1000)
            guard left > 0, poll(&poller, 1, left) == 1 else { throw DevToolsError("\(method): no answer from the browser in time") }
            var chunk = [UInt8](repeating: 0, count: 65_536)
            let count = Glibc.read(read, &chunk, chunk.count)
            guard count > 0 else { throw DevToolsError("\(method): the browser closed the pipe") }
            buffer += chunk[..<count]
        }
    }
}
