import Foundation

/// Parses one override as Hydra 1.3 does (`OverrideParser.g4` and its visitor): the key in
/// the lexer's key mode, then the value with `HydraLexer`'s tokens, and evaluates the grammar
/// functions sweep supports (`choice`, `range`, `interval`, `tag`, `sort`, the casts `int`,
/// `float`, `str`, `bool`). Config groups (`a/b=`), packages (`@pkg`), `glob`, `shuffle` and
/// interpolations (`${...}`) are refused by name. Hydra's own tests are the reference
/// (`HydraConformanceCases`).
public enum HydraOverrideParser {
    public static func parse(_ text: String) throws(HydraOverrideError) -> HydraOverride {
        let scalars = Array(text.unicodeScalars)
        var index = 0
        var kind = HydraOverride.Kind.change
        if scalars.first == "~" {
            kind = .delete
            index = 1
        } else if scalars.first == "+" {
            kind = scalars.count > 1 && scalars[1] == "+" ? .forceAdd : .add
            index = kind == .forceAdd ? 2 : 1
        }
        let keyStart = index
        while index < scalars.count, scalars[index] != "=" { index += 1 }
        let key = String(String.UnicodeScalarView(scalars[keyStart..<index]))
        try checkKey(key, column: keyStart + 1)
        guard index < scalars.count else {
            guard kind == .delete else { throw HydraOverrideError(column: index + 1, message: "expected '=' after the key \"\(key)\"") }
            return HydraOverride(kind: kind, key: key, value: nil)
        }
        // `EQUAL: '=' WS?`: one run of blanks after `=` belongs to it.
        index += 1
        while index < scalars.count, scalars[index] == " " || scalars[index] == "\t" { index += 1 }
        guard index < scalars.count else { return HydraOverride(kind: kind, key: key, value: .element(.string(""))) }
        var parser = ValueParser(tokens: try HydraLexer(scalars: scalars).tokens(from: index), end: scalars.count)
        let value = try parser.value()
        if let extra = parser.peek {
            throw HydraOverrideError(column: extra.start + 1, message: "unexpected \(ValueParser.describe(extra)) after the value")
        }
        return HydraOverride(kind: kind, key: key, value: value)
    }

    /// A dotted key whose parts are `(letter|_|$)(letter|digit|_|-|$)*` or unsigned integers.
    static func checkKey(_ key: String, column: Int) throws(HydraOverrideError) {
        guard !key.isEmpty else { throw HydraOverrideError(column: column, message: "expected a key before '='") }
        var offset = 0
        for part in key.split(separator: ".", omittingEmptySubsequences: false) {
            guard !part.isEmpty else {
                throw HydraOverrideError(column: column + offset, message: "empty part in the key \"\(key)\" (a., .a and a..b name nothing)")
            }
            for (i, scalar) in part.unicodeScalars.enumerated() {
                let place = column + offset + i
                if scalar == "/" || scalar == "@" || scalar == ":" {
                    throw HydraOverrideError(column: place, message: "config groups and packages (a/b=x, a@pkg=x) are Hydra config features sweep does not have")
                }
                if scalar == " " || scalar == "\t" {
                    throw HydraOverrideError(column: place, message: "a blank in the key \"\(key)\" (write key=value without blanks before '=')")
                }
                let letter = ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || scalar == "_" || scalar == "$"
                let digit = ("0"..."9").contains(scalar)
                guard letter || (i > 0 && (digit || scalar == "-")) || (digit && part.allSatisfy(\.isNumber)) else {
                    throw HydraOverrideError(column: place, message: "unexpected character '\(scalar)' in the key \"\(key)\"")
                }
            }
            offset += part.unicodeScalars.count + 1
        }
    }
}

/// Recursive descent over the value tokens, evaluating as Hydra's visitor does.
struct ValueParser {
    let tokens: [HydraToken]
    /// Characters in the override, for the column of "unexpected end".
    let end: Int
    var position = 0
    /// Nesting depth of lists, dicts and calls: bounded, as every input is.
    var depth = 0
    static let maxDepth = 32

    var peek: HydraToken? { position < tokens.count ? tokens[position] : nil }

    private func peek(_ offset: Int) -> HydraToken? { position + offset < tokens.count ? tokens[position + offset] : nil }

    private func error(_ message: String, at token: HydraToken? = nil) -> HydraOverrideError {
        HydraOverrideError(column: (token ?? peek)?.start.advanced(by: 1) ?? end + 1, message: message)
    }

    static func describe(_ token: HydraToken) -> String {
        token.kind == .blank ? "blank" : "'\(token.text.trimmingBlanks)'"
    }

    private mutating func expect(_ kind: HydraToken.Kind, _ what: String) throws(HydraOverrideError) {
        guard let token = peek else { throw error("expected \(what), found the end") }
        guard token.kind == kind else { throw error("expected \(what), found \(Self.describe(token))") }
        position += 1
    }

    /// `element (COMMA element)*`: one element, or a simple choice sweep.
    mutating func value() throws(HydraOverrideError) -> OverrideValue {
        let first = try element()
        guard peek?.kind == .comma else { return first }
        var items = [try plain(first, "a value of a sweep a,b,c")]
        while peek?.kind == .comma {
            position += 1
            items.append(try plain(try element(), "a value of a sweep a,b,c"))
        }
        return .choice(items)
    }

    /// `element` as a single value; a sweep is refused where only a value fits.
    private func plain(_ value: OverrideValue, _ place: String, at token: HydraToken? = nil) throws(HydraOverrideError) -> HydraValue {
        guard case .element(let element) = value else { throw error("\(place) cannot be a sweep", at: token) }
        return element
    }

    mutating func element() throws(HydraOverrideError) -> OverrideValue {
        guard let token = peek else { throw error("expected a value, found the end") }
        switch token.kind {
        case .bracketOpen: return .element(try list())
        case .braceOpen: return .element(try dict())
        case .id where peek(1)?.kind == .parenOpen: return try call()
        default: return .element(try primitive())
        }
    }

    private mutating func nested<T>(_ body: (inout ValueParser) throws(HydraOverrideError) -> T) throws(HydraOverrideError) -> T {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maxDepth else { throw error("nested more than \(Self.maxDepth) levels deep") }
        return try body(&self)
    }

    private mutating func list() throws(HydraOverrideError) -> HydraValue {
        try nested { parser throws(HydraOverrideError) in
            parser.position += 1
            var items: [HydraValue] = []
            if parser.peek?.kind != .bracketClose {
                repeat {
                    if !items.isEmpty { parser.position += 1 }
                    let token = parser.peek
                    items.append(try parser.plain(try parser.element(), "a list item", at: token))
                } while parser.peek?.kind == .comma
            }
            try parser.expect(.bracketClose, "',' or ']'")
            return .list(items)
        }
    }

    private mutating func dict() throws(HydraOverrideError) -> HydraValue {
        try nested { parser throws(HydraOverrideError) in
            parser.position += 1
            var items: [String: HydraValue] = [:]
            if parser.peek?.kind != .braceClose {
                repeat {
                    if !items.isEmpty { parser.position += 1 }
                    let key = try parser.dictKey()
                    try parser.expect(.colon, "':' after the dict key \"\(key)\"")
                    let token = parser.peek
                    items[key] = try parser.plain(try parser.element(), "a dict value", at: token)
                } while parser.peek?.kind == .comma
            }
            try parser.expect(.braceClose, "',' or '}'")
            return .dict(items)
        }
    }

    /// `(ID|NULL|INT|FLOAT|BOOL|UNQUOTED_CHAR|ESC|WS)+`, always a string.
    private mutating func dictKey() throws(HydraOverrideError) -> String {
        var text = ""
        while let token = peek, [.id, .null, .int, .float, .bool, .unquotedChar, .escape, .blank].contains(token.kind) {
            text += token.kind == .escape ? Self.unescape(token.text) : token.text
            position += 1
        }
        guard !text.isEmpty else { throw error("expected a dict key") }
        return text
    }

    /// `QUOTED_VALUE | (ID|NULL|INT|FLOAT|BOOL|INTERPOLATION|UNQUOTED_CHAR|COLON|ESC|WS)+`.
    private mutating func primitive() throws(HydraOverrideError) -> HydraValue {
        guard let first = peek else { throw error("expected a value, found the end") }
        if first.kind == .quoted {
            position += 1
            return .string(Self.unquote(first.text))
        }
        var parts: [HydraToken] = []
        while let token = peek, [.id, .null, .int, .float, .bool, .interpolation, .unquotedChar, .colon, .escape, .blank].contains(token.kind) {
            if token.kind == .interpolation {
                throw error("interpolations (\(token.text)) are OmegaConf's; sweep has nothing to resolve them against", at: token)
            }
            parts.append(token)
            position += 1
        }
        guard !parts.isEmpty else { throw error("expected a value, found \(Self.describe(first))") }
        // Blanks around the value are not part of it.
        while parts.last?.kind == .blank { parts.removeLast() }
        if parts.first?.kind == .blank { parts.removeFirst() }
        guard !parts.isEmpty else { throw error("a value of blanks only", at: first) }
        guard parts.count == 1 else {
            return .string(parts.map { $0.kind == .escape ? Self.unescape($0.text) : $0.text }.joined())
        }
        let token = parts[0]
        switch token.kind {
        case .int:
            guard let value = Int(token.text.replacingOccurrences(of: "_", with: "")) else {
                throw error("integer \(token.text) is out of range (at most \(Int.max))", at: token)
            }
            return .int(value)
        case .float: return .float(Self.double(token.text))
        case .bool: return .bool(token.text.lowercased() == "true")
        case .null: return .null
        case .escape: return .string(Self.unescape(token.text))
        default: return .string(token.text)
        }
    }

    static func double(_ text: String) -> Double {
        let lower = text.lowercased().replacingOccurrences(of: "_", with: "")
        switch lower {
        case "inf", "+inf": return .infinity
        case "-inf": return -.infinity
        case "nan", "+nan", "-nan": return .nan
        default: return Double(lower) ?? .nan
        }
    }

    /// ESC tokens: every other character (`\,` is `,`).
    static func unescape(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.enumerated().filter { $0.offset % 2 == 1 }.map(\.element)))
    }

    /// A quoted value's text: backslashes matter only before the quote character (or at the
    /// end), where each pair stands for one backslash and an odd one escapes the quote.
    static func unquote(_ text: String) -> String {
        let scalars = Array(text.unicodeScalars)
        let quote = scalars[0]
        let body = scalars[1..<(scalars.count - 1)]
        var result = String.UnicodeScalarView()
        var run = 0
        for scalar in body {
            if scalar == "\\" { run += 1; continue }
            if scalar == quote {
                result.append(contentsOf: repeatElement("\\", count: run / 2))
            } else {
                result.append(contentsOf: repeatElement("\\", count: run))
            }
            run = 0
            result.append(scalar)
        }
        result.append(contentsOf: repeatElement("\\", count: run / 2 + run % 2))
        return String(result)
    }

    /// `ID '(' (argName? element (',' argName? element)*)? ')'`, evaluated.
    private mutating func call() throws(HydraOverrideError) -> OverrideValue {
        let name = peek!
        position += 2
        return try nested { parser throws(HydraOverrideError) in
            var positional: [OverrideValue] = []
            var named: [String: OverrideValue] = [:]
            if parser.peek?.kind != .parenClose {
                repeat {
                    if !positional.isEmpty || !named.isEmpty { parser.position += 1 }
                    if parser.peek?.kind == .id, parser.peek(1)?.kind == .equal {
                        let argument = parser.peek!.text
                        parser.position += 2
                        guard named[argument] == nil else { throw parser.error("\(name.text)() got \(argument)= twice") }
                        named[argument] = try parser.element()
                    } else {
                        guard named.isEmpty else { throw parser.error("a positional argument after a named one in \(name.text)()") }
                        positional.append(try parser.element())
                    }
                } while parser.peek?.kind == .comma
            }
            try parser.expect(.parenClose, "',' or ')' to end \(name.text)(")
            do throws(HydraFunctions.Problem) {
                return try HydraFunctions.call(name.text, positional, named)
            } catch {
                throw HydraOverrideError(column: name.start + 1, message: "\(name.text)(): \(error.message)")
            }
        }
    }
}

extension String {
    var trimmingBlanks: String {
        var scalars = Substring(self)
        while scalars.first == " " || scalars.first == "\t" { scalars.removeFirst() }
        while scalars.last == " " || scalars.last == "\t" { scalars.removeLast() }
        return String(scalars)
    }
}
