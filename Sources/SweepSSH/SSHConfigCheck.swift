import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Refuses an SSH configuration file that would make the client run a local command.
///
/// A configuration named by `SSHTarget.configFile` comes from data (a host file in a working
/// tree, a cloned repository), and sweep must not run a command such a file names. libssh runs
/// `ProxyCommand` and `Match exec` while connecting or parsing (`ssh_options_parse_config`), so
/// the file and everything it `Include`s is scanned *before* libssh reads it. The scan is
/// deliberately coarser than the parsers: any line that OpenSSH or libssh could read as one of
/// the directives below is refused, with its file and line. `~/.ssh/config` (`configFile`
/// `nil`) is the user's own and is honoured as `ssh` does; it is not scanned.
public enum SSHConfigCheck {
    /// Directives that run a program or load code on the client, lower-cased.
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
    /// Values later substituted into a shell command line (libssh turns `ProxyJump` into
    /// `ssh ... -W '[%h]:%p' JUMP`): they must be plain host, user and port words.
    static let shellBoundDirectives: Set<String> = ["proxyjump", "hostname", "user"]
    /// Include depth, as in OpenSSH and libssh (`LIBSSH_CONF_MAX_DEPTH`).
    static let maxDepth = 16
    /// Larger files are refused unread (libssh's `SSH_MAX_CONFIG_FILE_SIZE` is 16 MiB).
    static let maxFileSize = 1 << 20
    /// libssh reads lines with `fgets` into 1024 bytes and parses the rest as a new line.
    static let maxLineLength = 1000
    /// Files read in one check, includes counted.
    static let maxFiles = 256

    /// Checks `path` and the files it includes.
    /// - Throws: `SSHError` of kind `.configuration` naming `file:line` and the directive, or
    ///   the limit that was exceeded.
    public static func refuseCommands(inFile path: String, host: String) throws {
        var filesRead = 0
        try check(path, depth: 0, filesRead: &filesRead, host: host)
    }

    private static func check(_ path: String, depth: Int, filesRead: inout Int, host: String) throws {
        func refuse(_ message: String) -> SSHError {
            SSHError(kind: .configuration, function: "ssh_config", message: message, host: host)
        }
        guard depth <= maxDepth else { throw refuse("\(path): more than \(maxDepth) levels of Include") }
        filesRead += 1
        guard filesRead <= maxFiles else { throw refuse("\(path): more than \(maxFiles) configuration files included") }
        var status = stat()
        guard stat(path, &status) == 0 else { return }  // missing: libssh skips it too
        // libssh reads regular files only (`ssh_strict_fopen`): /dev/null, FIFOs, directories
        // are skipped, and reading a FIFO here could block.
        guard status.st_mode & S_IFMT == S_IFREG else { return }
        guard status.st_size <= maxFileSize else { throw refuse("\(path): larger than \(maxFileSize) bytes") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw refuse("\(path): cannot read the file")
        }
        var lineNumber = 0
        for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            let place = "\(path):\(lineNumber)"
            guard line.count <= maxLineLength else { throw refuse("\(place): line longer than \(maxLineLength) bytes") }
            let words = Self.words(line)
            guard let keyword = words.first?.lowercased() else { continue }
            if let why = commandDirectives[keyword] {
                throw refuse("""
                    \(place): \(words[0]) \(why); sweep never runs a command named by a host's ssh_config. \
                    Put it in ~/.ssh/config (honoured as ssh does) or use ProxyJump.
                    """)
            }
            if keyword == "match", words.dropFirst().contains(where: { $0.lowercased().trimmingPrefix("!") == "exec" }) {
                throw refuse("""
                    \(place): Match exec runs a local command; sweep never runs a command named by a host's \
                    ssh_config. Put it in ~/.ssh/config (honoured as ssh does).
                    """)
            }
            if shellBoundDirectives.contains(keyword), !words.dropFirst().allSatisfy(isPlainWord) {
                throw refuse("""
                    \(place): \(words[0]) must be plain [user@]host[:port] words (letters, digits, . _ - : @ , [ ]), \
                    not starting with '-': its value ends up on a proxy command line.
                    """)
            }
            if keyword == "include" {
                for pattern in words.dropFirst() {
                    for file in expand(pattern) {
                        try check(file, depth: depth + 1, filesRead: &filesRead, host: host)
                    }
                }
            }
        }
    }

    /// Splits a line as generously as either parser might: blanks, `=` and quotes separate
    /// words; everything after a word starting with `#` is a comment. NUL ends the line as it
    /// ends libssh's C string.
    static func words(_ line: some Collection<UInt8>) -> [String] {
        var words: [String] = []
        var current: [UInt8] = []
        for byte in line {
            if byte == 0 { break }
            let separator = byte == UInt8(ascii: "=") || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'")
                || byte == 32 || (9...13).contains(byte)
            if separator {
                if !current.isEmpty { words.append(String(decoding: current, as: UTF8.self)) }
                current.removeAll(keepingCapacity: true)
            } else {
                if current.isEmpty && byte == UInt8(ascii: "#") { break }
                current.append(byte)
            }
        }
        if !current.isEmpty { words.append(String(decoding: current, as: UTF8.self)) }
        return words
    }

    /// A host, user, port or jump list with nothing a shell would interpret.
    static func isPlainWord(_ word: String) -> Bool {
        !word.hasPrefix("-") && !word.contains(",-") && !word.contains("@-") && !word.contains("[-")
            && word.utf8.allSatisfy { byte in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                    || ".-_:@,[]%".utf8.contains(byte)
            }
    }

    /// The files an `Include` pattern names. Relative patterns are looked up both in `~/.ssh`
    /// (OpenSSH) and in the working directory, so whichever the parser picks was scanned.
    static func expand(_ pattern: String) -> [String] {
        var patterns = [pattern]
        if !pattern.hasPrefix("/") && !pattern.hasPrefix("~") {
            patterns.append(NSHomeDirectory() + "/.ssh/" + pattern)
        }
        var files: [String] = []
        for pattern in patterns {
            var matches = glob_t()
            defer { globfree(&matches) }
            guard glob(pattern, GLOB_TILDE, nil, &matches) == 0 else { continue }
            for index in 0..<Int(matches.gl_pathc) {
                if let path = matches.gl_pathv[index] { files.append(String(cString: path)) }
            }
        }
        return files
    }
}
