#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A candidate primitive for symbolic regression of one KAN edge (pykan's `SYMBOLIC_LIB` subset).
public enum SymbolicFunction: String, Sendable, CaseIterable, Codable {
    /// `x`
    case identity = "x"
    /// `x^2`
    case square = "x^2"
    /// `x^3`
    case cube = "x^3"
    /// `exp(x)`
    case exp
    /// `log(x)`, defined for x > 0.
    case log
    /// `sqrt(x)`, defined for x >= 0.
    case sqrt
    /// `tanh(x)`
    case tanh
    /// `sin(x)`
    case sin
    /// `|x|`
    case abs

    /// pykan's complexity score, used to break near-ties in favour of simpler formulas.
    public var complexity: Int {
        switch self {
        case .identity: 1
        case .square, .exp, .log, .sqrt, .sin: 2
        case .cube, .tanh, .abs: 3
        }
    }

    /// The function's value, or nil outside its domain (or on overflow).
    public func callAsFunction(_ x: Double) -> Double? {
        let y: Double
        switch self {
        case .identity: y = x
        case .square: y = x * x
        case .cube: y = x * x * x
        case .exp: y = cExp(x)
        case .log: guard x > 0 else { return nil }; y = cLog(x)
        case .sqrt: guard x >= 0 else { return nil }; y = x.squareRoot()
        case .tanh: y = cTanh(x)
        case .sin: y = cSin(x)
        case .abs: y = Swift.abs(x)
        }
        return y.isFinite ? y : nil
    }

    /// Renders the function applied to an already formatted argument.
    public func render(_ argument: String) -> String {
        switch self {
        case .identity: argument
        case .square: "(\(argument))^2"
        case .cube: "(\(argument))^3"
        case .abs: "|\(argument)|"
        default: "\(rawValue)(\(argument))"
        }
    }
}

// The C library's functions under names the enum cases above do not shadow.
private func cExp(_ x: Double) -> Double { exp(x) }
private func cLog(_ x: Double) -> Double { log(x) }
private func cTanh(_ x: Double) -> Double { tanh(x) }
private func cSin(_ x: Double) -> Double { sin(x) }
