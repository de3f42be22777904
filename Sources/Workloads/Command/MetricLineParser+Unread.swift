import SweepCore

/// Which lines that were not read look like metrics: only shapes that mean a metric, so an
/// ordinary log line (`device: cuda`, `time: 12:30`, `Epoch 3: loss 1`) is never flagged.
extension MetricLineParser {
    static let badEpoch = "an epoch or step is a whole number ≥ 0"

    /// Why `name: value` (or `name=value`), not read, looks like a metric line; nil when it is
    /// ordinary output. `known` holds the names recorded so far.
    static func unreadReason(name: Substring, value: Substring, known: Set<String>) -> String? {
        let number = Double(value)
        guard isName(name) else {
            // `final accuracy: 0.93`, `Test Acc = 0.9`: a phrase of 2 to 4 words, then a number.
            guard number != nil, name.utf8.count <= maxNameBytes else {
                return number != nil && isNameLike(name) ? "a name is at most \(maxNameBytes) bytes" : nil
            }
            let words = name.split(whereSeparator: { $0 == " " || $0 == "\t" })
            return (2...4).contains(words.count) && words.allSatisfy(isNameLike)
                ? "a name is one word: letters, digits, _ . / -" : nil
        }
        let isEpoch = name == "epoch" || name == "step"
        if let number, !number.isFinite { return "not a finite number (nan and inf cannot be stored)" }
        if let rest = leadingNumber(value)?.rest {
            if isEpoch { return badEpoch }  // `epoch: 3/10`
            if rest == "%" { return "a value is a number, without %" }
            // `loss: 0.5 acc: 0.9`, `loss=0.5, acc=0.9`
            if let next = rest.drop(while: { " \t,;|".contains($0) }).nilIfEmpty, startsWithPair(next), next != rest {
                return "one metric a line"
            }
        }
        // `acc: high` after an `acc: 0.9` was read.
        if known.contains(String(name)) { return "not a number" }
        return nil
    }

    /// `{'loss': 0.5, 'epoch': 1}` (a Python dict printed, as Hugging Face's Trainer logs):
    /// quoted names and numbers only, at least one. A dict holding a string, True or None
    /// (a config printed) is ordinary output.
    static func isPythonDictOfNumbers(_ text: Substring) -> Bool {
        guard text.hasPrefix("{'"), !text.contains("\"") else { return false }
        let json = String(text.map { $0 == "'" ? "\"" : $0 })
        guard let object = try? JSONParser.parse(json).objectValue, !object.isEmpty else { return false }
        return object.values.allSatisfy { $0.doubleValue != nil }
    }

    /// Letters, digits, `_ . / -` only (a name's characters, whatever comes first).
    static func isNameLike(_ word: Substring) -> Bool {
        !word.isEmpty && word.unicodeScalars.allSatisfy {
            $0 == "_" || $0 == "." || $0 == "/" || $0 == "-" || $0.properties.isAlphabetic || ("0"..."9").contains($0)
        }
    }

    /// The number `text` starts with (digits, sign, point, exponent) and what follows it.
    static func leadingNumber(_ text: Substring) -> (Double, rest: Substring)? {
        let end = text.firstIndex { !"+-0123456789.eE".contains($0) } ?? text.endIndex
        guard let first = text.first, "+-.0123456789".contains(first), let number = Double(text[..<end]) else { return nil }
        return (number, text[end...])
    }

    /// Whether `text` starts with `name: number` or `name=number`.
    static func startsWithPair(_ text: Substring) -> Bool {
        guard let separator = text.firstIndex(where: { $0 == ":" || $0 == "=" }),
              isName(text[..<separator].trimmingWhitespace) else { return false }
        return leadingNumber(text[text.index(after: separator)...].trimmingWhitespace) != nil
    }
}

private extension Substring {
    var nilIfEmpty: Substring? { isEmpty ? nil : self }
}
