import SweepCore

/// A `command` parameter as words: split like a POSIX shell splits words (quotes and
/// backslashes, nothing else: no variables, globs or pipes, since no shell runs it), with
/// `{name}` placeholders filled per job. A placeholder is replaced inside its word, so a
/// value with spaces stays one argument.
struct CommandWords: Sendable {
    /// A problem with its position, for the spec's error message.
    struct Problem: Error, Sendable, CustomStringConvertible {
        var description: String
    }

    /// The words as written, before placeholders are filled.
    var words: [String]

    /// The most words a command may have, and the longest word.
    static let maxWords = 4_096
    static let maxWordBytes = 64 << 10

    /// Reads the `command` value: a string to split, or a list of strings taken as they are.
    init(_ value: JSONValue) throws(Problem) {
        switch value {
        case .string(let text):
            words = try Self.split(text)
        case .array(let items):
            var words: [String] = []
            for (i, item) in items.enumerated() {
                guard let word = item.stringValue else { throw Problem(description: "word \(i + 1) is \(item.kindDescription), expected a string") }
                words.append(word)
            }
            self.words = words
        default:
            throw Problem(description: "expected a string like \"python3 train.py --lr {lr}\" or a list of words, got \(value.kindDescription)")
        }
        guard !words.isEmpty, !words[0].isEmpty else { throw Problem(description: "the command is empty: give the program to run") }
        guard words.count <= Self.maxWords else { throw Problem(description: "\(words.count) words, more than \(Self.maxWords)") }
        if let long = words.firstIndex(where: { $0.utf8.count > Self.maxWordBytes }) {
            throw Problem(description: "word \(long + 1) is longer than \(Self.maxWordBytes >> 10) KiB")
        }
    }

    /// Splits `text` into words: blanks separate; '...' is literal; "..." keeps blanks and
    /// takes \ before " \ $ ` as an escape; a backslash outside quotes escapes the next character.
    static func split(_ text: String) throws(Problem) -> [String] {
        var words: [String] = []
        var word = ""
        var inWord = false
        var characters = Array(text).makeIterator()
        var column = 0
        func next() -> Character? {
            column += 1
            return characters.next()
        }
        while let c = next() {
            switch c {
            case " ", "\t", "\n":
                if inWord { words.append(word) }
                word = ""
                inWord = false
            case "'", "\"":
                // Single quotes keep everything; double quotes take \ before " \ $ ` as an escape.
                let start = column
                let unclosed = Problem(description: "the quote \(c) at character \(start) is never closed")
                inWord = true
                while true {
                    guard let q = next() else { throw unclosed }
                    if q == c { break }
                    if c == "\"", q == "\\" {
                        guard let escaped = next() else { throw unclosed }
                        if !"\"\\$`".contains(escaped) { word.append("\\") }
                        word.append(escaped)
                    } else {
                        word.append(q)
                    }
                }
            case "\\":
                guard let escaped = next() else { throw Problem(description: "the command ends with a lone backslash") }
                inWord = true
                word.append(escaped)
            default:
                inWord = true
                word.append(c)
            }
        }
        if inWord { words.append(word) }
        return words
    }

    /// The words with every `{name}` replaced by the job's value (`{{` and `}}` are literal
    /// braces; braces around anything but a parameter name are left alone).
    /// - Throws: naming the first placeholder `config` does not define, with its position.
    func filled(from config: JobConfig) throws(Problem) -> [String] {
        var result: [String] = []
        result.reserveCapacity(words.count)
        for (i, word) in words.enumerated() {
            result.append(try Self.fill(word, index: i, config: config))
        }
        return result
    }

    private static func fill(_ word: String, index: Int, config: JobConfig) throws(Problem) -> String {
        guard word.contains("{") || word.contains("}") else { return word }
        var out = ""
        let chars = Array(word)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if (c == "{" || c == "}"), i + 1 < chars.count, chars[i + 1] == c {
                out.append(c)
                i += 2
                continue
            }
            if c == "{", let close = chars[(i + 1)...].firstIndex(of: "}") {
                let name = String(chars[(i + 1)..<close])
                if isParameterName(name) {
                    guard let value = config[name] else {
                        let known = (config.values.keys.filter { $0 != "files" && $0 != "command" }).sorted()
                        throw Problem(description: "placeholder {\(name)} in word \(index + 1) (\"\(word)\"), character \(i + 1), "
                            + "names no parameter of this job" + DidYouMean.suggestion(for: name, among: known)
                            + " (it defines " + known.joined(separator: ", ") + ")")
                    }
                    out += Self.text(of: value)
                    i = close + 1
                    continue
                }
            }
            out.append(c)
            i += 1
        }
        return out
    }

    /// A value as a command-line word: strings as they are, numbers as Swift prints them
    /// (0.001, 1e-05, 3), anything else as compact JSON.
    static func text(of value: JSONValue) -> String {
        switch value {
        case .string(let s): return s
        case .double(let d): return d.description
        default: return value.canonicalText
        }
    }

    /// The names of the `{name}` placeholders, as `filled(from:)` reads them.
    var placeholders: Set<String> {
        var names: Set<String> = []
        for word in words where word.contains("{") {
            let chars = Array(word)
            var i = 0
            while i < chars.count {
                if (chars[i] == "{" || chars[i] == "}"), i + 1 < chars.count, chars[i + 1] == chars[i] {
                    i += 2
                    continue
                }
                if chars[i] == "{", let close = chars[(i + 1)...].firstIndex(of: "}") {
                    let name = String(chars[(i + 1)..<close])
                    if Self.isParameterName(name) {
                        names.insert(name)
                        i = close + 1
                        continue
                    }
                }
                i += 1
            }
        }
        return names
    }

    /// `lr`, `model.width`, `batch_size`: what a placeholder may name.
    private static func isParameterName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || first.properties.isAlphabetic else { return false }
        return name.unicodeScalars.allSatisfy { $0 == "_" || $0 == "." || $0 == "-" || $0.properties.isAlphabetic || ("0"..."9").contains($0) }
    }
}
