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
    public var diagnostics: [SpecDiagnostic]

    public init(_ diagnostics: [SpecDiagnostic]) {
        self.diagnostics = diagnostics
    }

    public var description: String {
        let count = diagnostics.count
        let header = count == 1 ? "" : "\(count) problems in the spec:\n"
        return header + diagnostics.map(\.description).joined(separator: "\n")
    }
}
