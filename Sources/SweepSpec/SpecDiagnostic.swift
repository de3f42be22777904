import SweepCore

/// One problem found in a spec, pointing at the file, the line and column where known,
/// and the path of the offending value (`grid.kan.width[2]`).
public struct SpecDiagnostic: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var location: SourceLocation?
    public var path: String
    public var message: String

    public init(file: String, location: SourceLocation?, path: String, message: String) {
        self.file = file
        self.location = location
        self.path = path
        self.message = message
    }

    /// `Sweeps/dist.json:12:7: grid.kan.width[2]: expected an integer in 1...64, got "x"`
    public var description: String {
        var text = file
        if let location { text += ":\(location)" }
        text += ": "
        if !path.isEmpty { text += path + ": " }
        return text + message
    }
}

/// A spec that cannot be used, with every problem found in one pass.
public struct SpecError: Error, Sendable, CustomStringConvertible {
    /// The most problems described: a hostile spec can have one per value.
    public static let maxDiagnostics = 100

    public var diagnostics: [SpecDiagnostic]
    /// Problems found beyond the first `maxDiagnostics`, counted but not described.
    public var unreported: Int

    /// Keeps the first `maxDiagnostics` problems and counts the rest.
    public init(_ diagnostics: [SpecDiagnostic], unreported: Int = 0) {
        self.diagnostics = Array(diagnostics.prefix(Self.maxDiagnostics))
        self.unreported = unreported + max(0, diagnostics.count - Self.maxDiagnostics)
    }

    public var description: String {
        let count = diagnostics.count + unreported
        let header = count == 1 ? "" : "\(count) problems in the spec:\n"
        let footer = unreported == 0 ? "" : "\n(and \(unreported) more like these)"
        return header + diagnostics.map(\.description).joined(separator: "\n") + footer
    }
}
