extension SSHConfigFile {
    /// One non-blank, non-comment line: its keyword (lower-cased) and arguments, split as
    /// OpenSSH's `readconf.c` splits them.
    struct Line: Equatable {
        var keyword: String
        var arguments: [String]
        /// The keyword as written, for messages.
        var spelling: String
    }

    /// Splits `line` the way OpenSSH 9 does: the keyword ends at a blank, a quote or one `=`
    /// (`strdelim`); the rest is split by `argv_split` with single and double quotes,
    /// backslash escapes of quotes, backslashes and blanks, and `#` at the start of a word
    /// ending the line. Returns nil for a blank or comment line.
    /// - Throws: a description of what is malformed (an unmatched quote, a NUL byte).
    static func split(_ line: some Collection<UInt8>) throws(SyntaxError) -> Line? {
        let bytes = Array(line)
        guard !bytes.contains(0) else { throw SyntaxError("a NUL byte") }
        var index = 0
        func isBlank(_ byte: UInt8) -> Bool { byte == 32 || byte == 9 || byte == 13 || byte == 12 || byte == 10 }
        while index < bytes.count, isBlank(bytes[index]) { index += 1 }
        guard index < bytes.count, bytes[index] != UInt8(ascii: "#") else { return nil }

        // The keyword: a quoted word, or up to a blank, a quote or `=`.
        var keyword: [UInt8] = []
        if bytes[index] == UInt8(ascii: "\"") {
            index += 1
            while index < bytes.count, bytes[index] != UInt8(ascii: "\"") { keyword.append(bytes[index]); index += 1 }
            guard index < bytes.count else { throw SyntaxError("an unmatched quote") }
            index += 1
        } else {
            while index < bytes.count, !isBlank(bytes[index]), bytes[index] != UInt8(ascii: "="), bytes[index] != UInt8(ascii: "\"") {
                keyword.append(bytes[index]); index += 1
            }
        }
        // One `=` may separate the keyword from its arguments, with blanks either side.
        while index < bytes.count, isBlank(bytes[index]) { index += 1 }
        if index < bytes.count, bytes[index] == UInt8(ascii: "=") { index += 1 }

        var arguments: [String] = []
        while index < bytes.count {
            if isBlank(bytes[index]) { index += 1; continue }
            if bytes[index] == UInt8(ascii: "#") { break }
            var word: [UInt8] = []
            var quote: UInt8 = 0
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\\"), index + 1 < bytes.count,
                   [UInt8(ascii: "'"), UInt8(ascii: "\""), UInt8(ascii: "\\")].contains(bytes[index + 1])
                    || (quote == 0 && bytes[index + 1] == 32) {
                    word.append(bytes[index + 1]); index += 2; continue
                }
                if quote == 0 && (byte == 32 || byte == 9) { break }
                if quote == 0 && (byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'")) {
                    quote = byte
                } else if quote != 0 && byte == quote {
                    quote = 0
                } else {
                    word.append(byte)
                }
                index += 1
            }
            guard quote == 0 else { throw SyntaxError("an unmatched quote") }
            arguments.append(String(decoding: word, as: UTF8.self))
        }
        let spelling = String(decoding: keyword, as: UTF8.self)
        return Line(keyword: spelling.lowercased(), arguments: arguments, spelling: spelling)
    }

    /// What is wrong with a line, without its place (the caller adds `file:line`).
    struct SyntaxError: Error {
        let message: String
        init(_ message: String) { self.message = message }
    }

    /// Whether `name` matches an ssh_config pattern list entry (`*` and `?` wildcards),
    /// case-insensitively as OpenSSH matches host names.
    static func matches(_ name: String, pattern: String) -> Bool {
        let name = Array(name.lowercased().utf8)
        let pattern = Array(pattern.lowercased().utf8)
        // Iterative wildcard match: remember the last `*` and retry from one further on.
        var n = 0, p = 0, star = -1, resume = 0
        while n < name.count {
            if p < pattern.count, pattern[p] == UInt8(ascii: "*") {
                star = p; resume = n; p += 1
            } else if p < pattern.count, pattern[p] == UInt8(ascii: "?") || pattern[p] == name[n] {
                n += 1; p += 1
            } else if star >= 0 {
                p = star + 1; resume += 1; n = resume
            } else {
                return false
            }
        }
        while p < pattern.count, pattern[p] == UInt8(ascii: "*") { p += 1 }
        return p == pattern.count
    }

    /// OpenSSH's pattern-list rule: some positive pattern matches and no `!`-negated one does.
    static func matches(_ name: String, patterns: [String]) -> Bool {
        var matched = false
        for pattern in patterns {
            if pattern.hasPrefix("!") {
                if matches(name, pattern: String(pattern.dropFirst())) { return false }
            } else if matches(name, pattern: pattern) {
                matched = true
            }
        }
        return matched
    }

    /// A host, user or jump list with nothing a shell would interpret: these values end up on
    /// the `ssh -W` command line a `ProxyJump` becomes.
    static func isPlainWord(_ word: String) -> Bool {
        !word.isEmpty && !word.hasPrefix("-") && !word.contains(",-") && !word.contains("@-") && !word.contains("[-")
            && word.utf8.allSatisfy { byte in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                    || ".-_:@,[]%".utf8.contains(byte)
            }
    }
}
