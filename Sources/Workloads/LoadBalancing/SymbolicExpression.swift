#if canImport(Glibc)
import Glibc
#endif

/// A parsed arithmetic formula over numbered variables, compiled to postfix code for
/// allocation-free evaluation.
///
/// Grammar (usual precedence, `^` and `**` right-associative and binding tighter than unary
/// minus): numbers (`1.5`, `-2e-3`), variables `x1`...`xN` or `x_1`...`x_N` (1-based),
/// `+ - * / ^ **`, parentheses, `|...|` for the absolute value, and calls of `exp log sqrt tanh sin cos abs sigmoid`
/// (also `ln`). This covers the formulas KANKit's symbolic fitting writes.
struct SymbolicExpression: Sendable {
    /// One postfix instruction.
    enum Instruction: Sendable, Equatable {
        case constant(Double)
        case variable(Int)
        case add, subtract, multiply, divide, power, negate
        case function(Function)
    }

    /// The unary functions a formula may call.
    enum Function: String, Sendable, CaseIterable {
        case exp, log, sqrt, tanh, sin, cos, abs, sigmoid

        @inline(__always)
        func callAsFunction(_ x: Double) -> Double {
            switch self {
            case .exp: return Glibc.exp(x)
            case .log: return Glibc.log(x)
            case .sqrt: return Glibc.sqrt(x)
            case .tanh: return Glibc.tanh(x)
            case .sin: return Glibc.sin(x)
            case .cos: return Glibc.cos(x)
            case .abs: return Swift.abs(x)
            case .sigmoid: return 1 / (1 + Glibc.exp(-x))
            }
        }
    }

    /// A formula that does not parse, with the character offset where parsing stopped.
    struct ParseError: Error, CustomStringConvertible, Equatable {
        var offset: Int
        var message: String
        var description: String { "formula, character \(offset): \(message)" }
    }

    /// The compiled program.
    let code: [Instruction]
    /// Deepest stack the program needs.
    let stackDepth: Int
    /// One more than the highest variable index used (0-based), i.e. the inputs it reads.
    let variableCount: Int

    /// Parses `text`.
    /// - Throws: `ParseError` naming the offset and what was expected.
    init(parsing text: String) throws {
        var parser = Parser(characters: Array(text.unicodeScalars))
        try parser.parseSum()
        parser.skipSpaces()
        guard parser.position == parser.characters.count else {
            throw ParseError(offset: parser.position, message: "unexpected '\(parser.characters[parser.position])'")
        }
        code = parser.code
        var depth = 0, deepest = 0, variables = 0
        for instruction in code {
            switch instruction {
            case .constant: depth += 1
            case .variable(let index):
                depth += 1
                variables = max(variables, index + 1)
            case .add, .subtract, .multiply, .divide, .power: depth -= 1
            case .negate, .function: break
            }
            deepest = max(deepest, depth)
        }
        stackDepth = deepest
        variableCount = variables
    }

    /// Evaluates the formula at `variables` (x1 = variables[0]), using `stack` (at least
    /// `stackDepth` elements) as scratch.
    func evaluate(_ variables: UnsafePointer<Float>, stack: UnsafeMutablePointer<Double>) -> Double {
        var top = -1
        for instruction in code {
            switch instruction {
            case .constant(let value):
                top += 1
                stack[top] = value
            case .variable(let index):
                top += 1
                stack[top] = Double(variables[index])
            case .add: top -= 1; stack[top] += stack[top + 1]
            case .subtract: top -= 1; stack[top] -= stack[top + 1]
            case .multiply: top -= 1; stack[top] *= stack[top + 1]
            case .divide: top -= 1; stack[top] /= stack[top + 1]
            case .power: top -= 1; stack[top] = pow(stack[top], stack[top + 1])
            case .negate: stack[top] = -stack[top]
            case .function(let function): stack[top] = function(stack[top])
            }
        }
        return stack[0]
    }

    /// Recursive-descent parser emitting postfix code.
    private struct Parser {
        let characters: [Unicode.Scalar]
        var position = 0
        var code: [Instruction] = []

        mutating func skipSpaces() {
            while position < characters.count, characters[position].properties.isWhitespace { position += 1 }
        }

        mutating func peek() -> Unicode.Scalar? {
            skipSpaces()
            return position < characters.count ? characters[position] : nil
        }

        mutating func parseSum() throws {
            try parseProduct()
            while let c = peek(), c == "+" || c == "-" {
                position += 1
                try parseProduct()
                code.append(c == "+" ? .add : .subtract)
            }
        }

        mutating func parseProduct() throws {
            try parseUnary()
            while let c = peek(), c == "/" || (c == "*" && !isDoubleStar) {
                position += 1
                try parseUnary()
                code.append(c == "*" ? .multiply : .divide)
            }
        }

        var isDoubleStar: Bool { position + 1 < characters.count && characters[position + 1] == "*" }

        mutating func parseUnary() throws {
            if let c = peek(), c == "-" || c == "+" {
                position += 1
                try parseUnary()
                if c == "-" { code.append(.negate) }
                return
            }
            try parsePower()
        }

        mutating func parsePower() throws {
            try parseAtom()
            guard let c = peek() else { return }
            if c == "^" {
                position += 1
            } else if c == "*" && isDoubleStar {
                position += 2
            } else {
                return
            }
            try parseUnary()  // right-associative; allows x^-1
            code.append(.power)
        }

        mutating func parseAtom() throws {
            guard let c = peek() else { throw ParseError(offset: position, message: "expected a number, variable or '(' at the end") }
            if c == "(" {
                position += 1
                try parseSum()
                try expect(")")
            } else if c == "|" {
                position += 1
                try parseSum()
                try expect("|")
                code.append(.function(.abs))
            } else if c.properties.numericType != nil || c == "." {
                try parseNumber()
            } else if c.properties.isAlphabetic || c == "_" {
                try parseName()
            } else {
                throw ParseError(offset: position, message: "expected a number, variable or '(', found '\(c)'")
            }
        }

        mutating func expect(_ character: Unicode.Scalar) throws {
            guard peek() == character else {
                throw ParseError(offset: position, message: "expected '\(character)'")
            }
            position += 1
        }

        mutating func parseNumber() throws {
            let start = position
            func digits() { while position < characters.count, characters[position].properties.numericType != nil { position += 1 } }
            digits()
            if position < characters.count, characters[position] == "." { position += 1; digits() }
            if position < characters.count, characters[position] == "e" || characters[position] == "E" {
                let mark = position
                position += 1
                if position < characters.count, characters[position] == "-" || characters[position] == "+" { position += 1 }
                let exponentStart = position
                digits()
                if position == exponentStart { position = mark }  // "2e" is 2 followed by a name: reject later
            }
            var text = ""
            text.unicodeScalars.append(contentsOf: characters[start..<position])
            guard let value = Double(text) else { throw ParseError(offset: start, message: "malformed number '\(text)'") }
            code.append(.constant(value))
        }

        mutating func parseName() throws {
            let start = position
            while position < characters.count,
                  characters[position].properties.isAlphabetic || characters[position].properties.numericType != nil
                    || characters[position] == "_" { position += 1 }
            var name = ""
            name.unicodeScalars.append(contentsOf: characters[start..<position])
            if let function = Function(rawValue: name == "ln" ? "log" : name) {
                try expect("(")
                try parseSum()
                try expect(")")
                code.append(.function(function))
                return
            }
            let digits = name.hasPrefix("x_") ? name.dropFirst(2) : name.hasPrefix("x") ? name.dropFirst() : ""
            guard let index = Int(digits), index >= 1 else {
                throw ParseError(offset: start, message: "unknown name '\(name)' (expected x1, x2, ... or a function: "
                                 + Function.allCases.map(\.rawValue).joined(separator: ", ") + ")")
            }
            code.append(.variable(index - 1))
        }
    }
}
