/// The value-mode tokens of Hydra 1.3's `OverrideLexer.g4`, longest match first and, between
/// equally long matches, in the grammar's rule order (so `inf` is a float, `true` a bool).
struct HydraToken: Equatable {
    enum Kind: Equatable {
        case parenOpen, comma, parenClose, bracketOpen, bracketClose, braceOpen, braceClose, colon, equal
        case int, float, bool, null, unquotedChar, id, escape, blank, quoted, interpolation
    }

    var kind: Kind
    var text: String
    /// 0-based index of its first character in the override.
    var start: Int
}

struct HydraLexer {
    let scalars: [Unicode.Scalar]

    /// All tokens from `start` to the end.
    func tokens(from start: Int) throws(HydraOverrideError) -> [HydraToken] {
        var tokens: [HydraToken] = []
        var index = start
        while index < scalars.count {
            let (kind, length) = try token(at: index)
            tokens.append(HydraToken(kind: kind, text: String(String.UnicodeScalarView(scalars[index..<index + length])), start: index))
            index += length
        }
        return tokens
    }

    private func at(_ index: Int) -> Unicode.Scalar? { index < scalars.count ? scalars[index] : nil }

    private func blanks(from index: Int) -> Int {
        var end = index
        while let scalar = at(end), scalar == " " || scalar == "\t" { end += 1 }
        return end - index
    }

    private func token(at index: Int) throws(HydraOverrideError) -> (HydraToken.Kind, Int) {
        // Punctuation may carry blanks before and after it (`WS? ',' WS?`): longer than WS alone.
        let leading = blanks(from: index)
        if let scalar = at(index + leading) {
            let trailing = { (after: Int) in after + self.blanks(from: index + after) }
            switch scalar {
            case "(": return (.parenOpen, trailing(leading + 1))
            case ",": return (.comma, trailing(leading + 1))
            case ":": return (.colon, trailing(leading + 1))
            case "=": return (.equal, trailing(leading + 1))
            case ")": return (.parenClose, leading + 1)
            case "]": return (.bracketClose, leading + 1)
            case "}": return (.braceClose, leading + 1)
            default: break
            }
        }
        if leading > 0 { return (.blank, leading) }
        let scalar = scalars[index]
        switch scalar {
        case "[": return (.bracketOpen, 1 + blanks(from: index + 1))
        case "{": return (.braceOpen, 1 + blanks(from: index + 1))
        case "'", "\"": return (.quoted, try quoted(at: index))
        case "$" where at(index + 1) == "{":
            var end = index + 2
            while let next = at(end), next != "}" { end += 1 }
            if end > index + 2, at(end) == "}" { return (.interpolation, end + 1 - index) }
        case "\\":
            var end = index
            while at(end) == "\\", let next = at(end + 1), "\\()[]{}:=, \t".unicodeScalars.contains(next) { end += 2 }
            if end > index { return (.escape, end - index) }
        default:
            break
        }
        // Words and numbers: the longest of INT, FLOAT, BOOL, NULL, UNQUOTED_CHAR, ID.
        let candidates: [(HydraToken.Kind, Int)] = [
            (.int, intLength(at: index)), (.float, floatLength(at: index)),
            (.bool, keywordLength(at: index, ["true", "false"])), (.null, keywordLength(at: index, ["null"])),
            (.unquotedChar, "/-\\+.$%*@?|".unicodeScalars.contains(scalar) ? 1 : 0), (.id, idLength(at: index)),
        ]
        var best: (HydraToken.Kind, Int) = (.id, 0)
        for candidate in candidates where candidate.1 > best.1 { best = candidate }
        guard best.1 > 0 else {
            throw HydraOverrideError(column: index + 1, message: "unexpected character '\(scalar)'")
        }
        return best
    }

    /// A quoted value ends at the first quote preceded by an even number of backslashes.
    private func quoted(at index: Int) throws(HydraOverrideError) -> Int {
        let quote = scalars[index]
        var end = index + 1
        var backslashes = 0
        while let scalar = at(end) {
            if scalar == quote && backslashes % 2 == 0 { return end + 1 - index }
            backslashes = scalar == "\\" ? backslashes + 1 : 0
            end += 1
        }
        throw HydraOverrideError(column: index + 1, message: "unterminated quoted string")
    }

    private func isDigit(_ index: Int) -> Bool { at(index).map { ("0"..."9").contains($0) } ?? false }

    /// `'0' | [1-9] ('_'? DIGIT)*`.
    private func unsignedLength(at index: Int) -> Int {
        guard let first = at(index), ("0"..."9").contains(first) else { return 0 }
        if first == "0" { return 1 }
        var end = index + 1
        while true {
            if isDigit(end) { end += 1 } else if at(end) == "_" && isDigit(end + 1) { end += 2 } else { break }
        }
        return end - index
    }

    private func signLength(at index: Int) -> Int { at(index) == "+" || at(index) == "-" ? 1 : 0 }

    private func intLength(at index: Int) -> Int {
        let sign = signLength(at: index)
        let digits = unsignedLength(at: index + sign)
        return digits > 0 ? sign + digits : 0
    }

    private func floatLength(at index: Int) -> Int {
        let sign = signLength(at: index)
        let start = index + sign
        if keywordLength(at: start, ["inf", "nan"]) == 3 { return sign + 3 }
        let integer = unsignedLength(at: start)
        var point = 0
        if at(start + integer) == "." {
            // DIGIT ('_'? DIGIT)*, as in the integer part.
            var digits = 0
            while true {
                let next = start + integer + 1 + digits
                if isDigit(next) { digits += 1 } else if digits > 0, at(next) == "_", isDigit(next + 1) { digits += 2 } else { break }
            }
            if digits > 0 || integer > 0 { point = integer + 1 + digits }
        }
        func exponent(after length: Int) -> Int {
            guard length > 0, at(start + length) == "e" || at(start + length) == "E" else { return 0 }
            let signed = signLength(at: start + length + 1)
            var digits = 0
            while isDigit(start + length + 1 + signed + digits) { digits += 1 }
            return digits > 0 ? 1 + signed + digits : 0
        }
        let withPoint = point > 0 ? point + exponent(after: point) : 0
        let withExponent = exponent(after: integer) > 0 ? integer + exponent(after: integer) : 0
        let length = max(withPoint, withExponent)
        return length > 0 ? sign + length : 0
    }

    private func keywordLength(at index: Int, _ words: [String]) -> Int {
        for word in words {
            let letters = Array(word.unicodeScalars)
            let matches = letters.indices.allSatisfy { offset in
                at(index + offset).map { Character($0).lowercased() == String(letters[offset]) } ?? false
            }
            if matches { return letters.count }
        }
        return 0
    }

    /// `(CHAR|'_') (CHAR|DIGIT|'_'|'-')*`, CHAR being a letter (any non-ASCII one too).
    private func idLength(at index: Int) -> Int {
        func isLetter(_ scalar: Unicode.Scalar) -> Bool {
            ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || scalar.value >= 0x80
        }
        guard let first = at(index), isLetter(first) || first == "_" else { return 0 }
        var end = index + 1
        while let scalar = at(end), isLetter(scalar) || ("0"..."9").contains(scalar) || scalar == "_" || scalar == "-" { end += 1 }
        return end - index
    }
}
