import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A host file's ssh_config, read by sweep itself so that libssh only ever sees options sweep
/// understands.
///
/// A file named by `SSHTarget.configFile` is data (a host file in a working tree, a cloned
/// repository), and sweep must never run a command it names. libssh's own parser runs
/// `ProxyCommand` and `Match exec`, and a scan in front of it had to agree with it on quoting,
/// `=`, `Include` globs and relative paths (it did not: `Include "/dir with space/x.conf"`
/// passed). So the file is parsed once here, as OpenSSH's `ssh -F FILE` reads it; anything that
/// runs a command or loads code is refused with its `file:line`, so is a keyword sweep does not
/// know, and the options for one host are handed to libssh one by one (`SSHSession.configure`).
/// Harmless OpenSSH options sweep has no use for (`ForwardAgent`, `ServerAliveInterval`, ...)
/// are ignored. `~/.ssh/config` (no file named) is the user's own and still read by libssh.
public struct SSHConfigFile: Sendable {
    /// One option line with the `Host`/`Match` blocks it sits in (the including file's block
    /// first): it applies to a host only when every one of them matches.
    struct Entry: Sendable {
        var place: String
        var keyword: String
        var arguments: [String]
        var blocks: [Block]
    }

    /// A `Host` pattern list or the criteria of a `Match` line.
    enum Block: Sendable {
        case host([String])
        case match([Criterion])
    }

    /// One `Match` criterion: `all`, or `host`/`originalhost`/`user`/`localuser` with a
    /// comma-separated pattern list, possibly negated with `!`.
    struct Criterion: Sendable {
        enum Subject: String, Sendable { case all, host, originalhost, user, localuser }
        var subject: Subject
        var patterns: [String]
        var negated: Bool
    }

    /// The options for one host, as the file's first matching values give them.
    public struct Options: Equatable, Sendable {
        public var hostName: String?
        public var user: String?
        public var port: Int?
        public var identityFiles: [String] = []
        /// `[user@]host[:port]` hops, the last one next to the target.
        public var proxyJump: [String]?
        public var knownHostsFile: String?
        public var compression: Bool?
        /// Algorithm lists by keyword (`ciphers`, `kexalgorithms`, ...), as written.
        public var algorithms: [String: String] = [:]
    }

    let entries: [Entry]

    /// Include depth, as in OpenSSH and libssh.
    static let maxDepth = 16
    /// Larger files are refused unread.
    static let maxFileSize = 1 << 20
    /// Files read for one configuration, includes counted.
    static let maxFiles = 256
    /// Options sweep hands to libssh.
    static let applied = Set([
        "hostname", "user", "port", "identityfile", "proxyjump", "userknownhostsfile", "compression",
    ]).union(algorithmKeywords)
    static let algorithmKeywords: Set<String> = [
        "ciphers", "kexalgorithms", "hostkeyalgorithms", "pubkeyacceptedalgorithms", "pubkeyacceptedkeytypes", "macs",
    ]
    /// Directives that run a program or load code on the client: refused.
    static let commandDirectives: [String: String] = [
        "proxycommand": "runs a local command to connect",
        "localcommand": "runs a local command after connecting",
        "permitlocalcommand": "enables LocalCommand",
        "knownhostscommand": "runs a local command to list host keys",
        "pkcs11provider": "loads a shared library into the client",
        "securitykeyprovider": "loads a shared library into the client",
        "xauthlocation": "names a program the client runs",
        "proxyusefdpass": "belongs to ProxyCommand",
    ]
    /// OpenSSH options that change nothing sweep does (it sets its own timeouts, host-key
    /// policy and agent use, and forwards nothing): accepted and ignored.
    static let ignored: Set<String> = [
        "addkeystoagent", "addressfamily", "batchmode", "bindaddress", "bindinterface", "canonicaldomains",
        "canonicalizefallbacklocal", "canonicalizehostname", "canonicalizemaxdots", "canonicalizepermittedcnames",
        "casignaturealgorithms", "certificatefile", "checkhostip", "clearallforwardings", "connectionattempts",
        "connecttimeout", "controlmaster", "controlpath", "controlpersist", "dynamicforward", "enableescapecommandline",
        "enablesshkeysign", "escapechar", "exitonforwardfailure", "fingerprinthash", "forkafterauthentication",
        "forwardagent", "forwardx11", "forwardx11timeout", "forwardx11trusted", "gatewayports", "globalknownhostsfile",
        "gssapiauthentication", "gssapidelegatecredentials", "hashknownhosts", "hostbasedacceptedalgorithms",
        "hostbasedauthentication", "hostkeyalias", "identitiesonly", "identityagent", "ignoreunknown", "ipqos",
        "kbdinteractiveauthentication", "kbdinteractivedevices", "localforward", "loglevel", "logverbose",
        "nohostauthenticationforlocalhost", "numberofpasswordprompts", "passwordauthentication",
        "preferredauthentications", "pubkeyauthentication", "rekeylimit", "remotecommand", "remoteforward",
        "requesttty", "requiredrsasize", "revokedhostkeys", "sendenv", "serveralivecountmax", "serveraliveinterval",
        "sessiontype", "setenv", "stdinnull", "streamlocalbindmask", "streamlocalbindunlink", "stricthostkeychecking",
        "syslogfacility", "tcpkeepalive", "tunnel", "tunneldevice", "updatehostkeys", "verifyhostkeydns",
        "visualhostkey",
    ]

    /// Reads `path` and everything it includes, and checks every line whichever host it is for.
    /// - Parameters:
    ///   - sshDirectory: where relative `Include` paths are looked up (OpenSSH: `~/.ssh`).
    ///   - host: the target's display name, for errors.
    /// - Throws: `SSHError` of kind `.configuration` naming `file:line`, the keyword and why.
    public static func load(_ path: String, sshDirectory: String? = nil, host: String) throws -> SSHConfigFile {
        var reader = Reader(sshDirectory: sshDirectory ?? NSHomeDirectory() + "/.ssh", host: host)
        try reader.read(path, depth: 0, outer: [], required: true)
        return SSHConfigFile(entries: reader.entries)
    }

    /// The options for `host` (as typed: a name, address or alias) logging in as `user`
    /// (nil: the file's `User`, else the local user), first value wins as in OpenSSH.
    public func options(host: String, user: String?, localUser: String = ProcessInfo.processInfo.userName) -> Options {
        var options = Options()
        var seen: Set<String> = []
        for entry in entries where entry.blocks.allSatisfy({ matches($0, host: host, user: user, localUser: localUser, options: options) }) {
            let value = entry.arguments.first ?? ""
            if entry.keyword == "identityfile" {
                options.identityFiles.append(value)
                continue
            }
            guard !seen.contains(entry.keyword) else { continue }
            seen.insert(entry.keyword)
            switch entry.keyword {
            case "hostname": options.hostName = Self.expandHostName(value, host: host)
            case "user": options.user = value
            case "port": options.port = Int(value)
            case "proxyjump": options.proxyJump = value.lowercased() == "none" ? nil : value.split(separator: ",").map(String.init)
            case "userknownhostsfile": options.knownHostsFile = value.lowercased() == "none" ? "/dev/null" : value
            case "compression": options.compression = value.lowercased() == "yes"
            case let keyword where Self.algorithmKeywords.contains(keyword): options.algorithms[keyword] = value
            default: break
            }
        }
        return options
    }

    private func matches(_ block: Block, host: String, user: String?, localUser: String, options: Options) -> Bool {
        switch block {
        case .host(let patterns):
            return Self.matches(host, patterns: patterns)
        case .match(let criteria):
            return criteria.allSatisfy { criterion in
                let subject: String
                switch criterion.subject {
                case .all: return !criterion.negated
                case .host: subject = options.hostName ?? host
                case .originalhost: subject = host
                case .user: subject = user ?? options.user ?? localUser
                case .localuser: subject = localUser
                }
                return Self.matches(subject, patterns: criterion.patterns) != criterion.negated
            }
        }
    }

    /// `HostName` with `%h` (the host as typed) and `%%` expanded, as OpenSSH does.
    static func expandHostName(_ value: String, host: String) -> String {
        value.replacingOccurrences(of: "%%", with: "\u{0}").replacingOccurrences(of: "%h", with: host)
            .replacingOccurrences(of: "\u{0}", with: "%")
    }
}

extension SSHConfigFile {
    /// Reads files into entries, checking each line as it goes.
    struct Reader {
        let sshDirectory: String
        let host: String
        var entries: [Entry] = []
        var filesRead = 0

        init(sshDirectory: String, host: String) {
            self.sshDirectory = sshDirectory
            self.host = host
        }

        func refuse(_ message: String) -> SSHError {
            SSHError(kind: .configuration, function: "ssh_config", message: message, host: host)
        }

        mutating func read(_ path: String, depth: Int, outer: [Block], required: Bool) throws {
            guard depth <= SSHConfigFile.maxDepth else { throw refuse("\(path): more than \(SSHConfigFile.maxDepth) levels of Include") }
            filesRead += 1
            guard filesRead <= SSHConfigFile.maxFiles else {
                throw refuse("\(path): more than \(SSHConfigFile.maxFiles) configuration files included")
            }
            guard let data = try contents(path, required: required) else { return }
            var block: Block?
            var lineNumber = 0
            for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
                lineNumber += 1
                let place = "\(path):\(lineNumber)"
                let parsed: Line?
                do { parsed = try SSHConfigFile.split(line) } catch { throw refuse("\(place): \(error.message)") }
                guard let parsed else { continue }
                let blocks = outer + (block.map { [$0] } ?? [])
                switch parsed.keyword {
                case "host":
                    guard !parsed.arguments.isEmpty else { throw refuse("\(place): Host needs at least one pattern") }
                    block = .host(parsed.arguments)
                case "match":
                    block = .match(try criteria(parsed.arguments, place: place))
                case "include":
                    guard !parsed.arguments.isEmpty else { throw refuse("\(place): Include needs a file") }
                    for pattern in parsed.arguments {
                        for file in try expand(pattern, place: place) {
                            try read(file, depth: depth + 1, outer: blocks, required: false)
                        }
                    }
                default:
                    try check(parsed, place: place)
                    if SSHConfigFile.applied.contains(parsed.keyword) {
                        entries.append(Entry(place: place, keyword: parsed.keyword, arguments: parsed.arguments, blocks: blocks))
                    }
                }
            }
        }

        /// The file's bytes; nil for `/dev/null` (`ssh -F /dev/null`) or a missing included file.
        private func contents(_ path: String, required: Bool) throws -> [UInt8]? {
            // O_NONBLOCK: a FIFO named here must not hang the open; it is refused below.
            let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
            guard fd >= 0 else {
                let code = errno
                if code == ENOENT && !required { return nil }
                throw refuse("\(path): cannot read the ssh_config file (\(String(cString: strerror(code))))")
            }
            defer { close(fd) }
            var status = stat()
            guard fstat(fd, &status) == 0 else { throw refuse("\(path): cannot read the ssh_config file") }
            if path == "/dev/null" { return nil }
            guard status.st_mode & S_IFMT == S_IFREG else {
                throw refuse("\(path): not a regular file; an ssh_config must be a plain file")
            }
            guard status.st_size <= SSHConfigFile.maxFileSize else {
                throw refuse("\(path): larger than \(SSHConfigFile.maxFileSize) bytes")
            }
            var bytes = [UInt8](repeating: 0, count: Int(status.st_size))
            var filled = 0
            while filled < bytes.count {
                let count = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + filled, $0.count - filled) }
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { break }
                filled += count
            }
            return Array(bytes[..<filled])
        }

        /// The files an `Include` pattern names: `~` expanded, relative paths in the SSH
        /// directory (as OpenSSH reads a user configuration), globs sorted.
        private func expand(_ pattern: String, place: String) throws -> [String] {
            guard !pattern.contains("%"), !pattern.contains("${") else {
                throw refuse("\(place): Include '\(pattern)': sweep does not expand %-tokens or ${VARIABLES} in Include paths")
            }
            let full = pattern.hasPrefix("/") || pattern.hasPrefix("~") ? pattern : sshDirectory + "/" + pattern
            var matches = glob_t()
            defer { globfree(&matches) }
            guard glob(full, GLOB_TILDE, nil, &matches) == 0 else { return [] }
            return (0..<Int(matches.gl_pathc)).compactMap { matches.gl_pathv[$0].map { String(cString: $0) } }
        }

        /// Refuses a keyword that runs a command, an unknown one, or a value sweep cannot pass on.
        private func check(_ line: Line, place: String) throws {
            let keyword = line.keyword
            if let why = SSHConfigFile.commandDirectives[keyword] {
                throw refuse("""
                    \(place): \(line.spelling) \(why); sweep never runs a command named by a host's ssh_config. \
                    Put it in ~/.ssh/config (honoured as ssh does) or use ProxyJump.
                    """)
            }
            guard SSHConfigFile.applied.contains(keyword) || SSHConfigFile.ignored.contains(keyword) else {
                throw refuse("\(place): unknown or unsupported option '\(line.spelling)' in a host's ssh_config")
            }
            guard SSHConfigFile.applied.contains(keyword) else { return }
            guard let value = line.arguments.first else { throw refuse("\(place): \(keyword) needs a value") }
            let plain = "plain [user@]host[:port] words (letters, digits, . _ - : @ , [ ]), not starting with '-'"
            switch keyword {
            case "hostname":
                guard SSHConfigFile.isPlainWord(value), !value.contains("@"), !value.contains(","),
                      !value.replacingOccurrences(of: "%%", with: "").replacingOccurrences(of: "%h", with: "").contains("%") else {
                    throw refuse("\(place): HostName must be one plain host name or address, with only %h and %% escapes")
                }
            case "user":
                guard SSHConfigFile.isPlainWord(value), !value.contains("%") else { throw refuse("\(place): User must be \(plain)") }
            case "port":
                guard let port = Int(value), (1...65535).contains(port) else { throw refuse("\(place): Port must be 1-65535, not '\(value)'") }
            case "proxyjump":
                guard value.lowercased() == "none" || (SSHConfigFile.isPlainWord(value) && !value.contains("%")) else {
                    throw refuse("\(place): ProxyJump must be \(plain): its value ends up on a proxy command line")
                }
            case "compression":
                guard ["yes", "no"].contains(value.lowercased()) else { throw refuse("\(place): Compression must be yes or no") }
            case let keyword where SSHConfigFile.algorithmKeywords.contains(keyword):
                guard value.utf8.allSatisfy({ $0 < 128 && (isalnum(Int32($0)) != 0 || "@.,+-_^".utf8.contains($0)) }) else {
                    throw refuse("\(place): \(keyword) must be a comma-separated list of algorithm names")
                }
            default:
                break  // identityfile, userknownhostsfile: paths, expanded by libssh without a shell
            }
        }

        /// The criteria of a `Match` line; `exec` and criteria sweep cannot evaluate are refused.
        private func criteria(_ words: [String], place: String) throws -> [Criterion] {
            var criteria: [Criterion] = []
            var index = 0
            while index < words.count {
                var word = words[index].lowercased()
                let negated = word.hasPrefix("!")
                if negated { word.removeFirst() }
                index += 1
                if word == "exec" {
                    throw refuse("""
                        \(place): Match exec runs a local command; sweep never runs a command named by a host's \
                        ssh_config. Put it in ~/.ssh/config (honoured as ssh does).
                        """)
                }
                guard let subject = Criterion.Subject(rawValue: word) else {
                    throw refuse("\(place): Match \(word) is not supported in a host's ssh_config (use host, originalhost, user, localuser or all)")
                }
                if subject == .all {
                    criteria.append(Criterion(subject: .all, patterns: [], negated: negated))
                    continue
                }
                guard index < words.count else { throw refuse("\(place): Match \(word) needs a pattern list") }
                criteria.append(Criterion(subject: subject, patterns: words[index].split(separator: ",").map(String.init), negated: negated))
                index += 1
            }
            guard !criteria.isEmpty else { throw refuse("\(place): Match needs a criterion") }
            return criteria
        }
    }
}
