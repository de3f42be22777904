import Foundation
import SweepCore

/// A spec file's text parsed into a JSON value, remembering where each value stood.
///
/// JSON and YAML specs have the same keys; the file's extension picks the parser.
public struct SpecDocument: Sendable {
    /// The path as the user gave it, used in every message.
    public var file: String
    /// The raw text, stored with the sweep so `sweep resume` needs no file.
    public var text: String
    public var root: JSONValue
    public var locations: [String: SourceLocation]
    /// For a document made by overrides: the file it was made from and where its values
    /// stood, so a problem with a value the overrides kept points into the user's file.
    public var origin: (file: String, locations: [String: SourceLocation])?

    /// The largest spec accepted, in bytes: a spec is a page of text, and every later
    /// step (locations, validation, expansion) is bounded by a multiple of its size.
    public static let maxBytes = 4 << 20

    /// Parses `text`; `file` decides the format (`.yaml`/`.yml` is YAML, anything else JSON).
    ///
    /// Bounded: at most `maxBytes` of text, lists and objects nested at most
    /// `JSONParser.maxDepth` deep, no YAML anchors, aliases or non-core tags, and no value
    /// given twice (a duplicate key, or the same parameter as nested and dotted names).
    public init(file: String, text: String) throws(SpecError) {
        self.file = file
        self.text = text
        guard text.utf8.count <= Self.maxBytes else { throw Self.tooLarge(file) }
        let isYAML = file.hasSuffix(".yaml") || file.hasSuffix(".yml")
        do {
            if isYAML {
                (root, locations) = try YAMLReader.parse(text)
            } else {
                (root, locations) = try JSONParser.parseWithLocations(text)
            }
        } catch let error as JSONSyntaxError {
            let message = error.path == nil ? "invalid JSON: \(error.message)" : error.message
            throw SpecError([SpecDiagnostic(file: file, location: error.location, path: error.path ?? "", message: message)])
        } catch let error as YAMLReader.Failure {
            throw SpecError([SpecDiagnostic(file: file, location: error.location, path: error.path, message: error.message)])
        } catch {
            throw SpecError([SpecDiagnostic(file: file, location: nil, path: "", message: "\(error)")])
        }
    }

    /// Reads and parses the spec at `path`, reading no more than `maxBytes` + 1 bytes
    /// (a device or a huge file is refused, not read into memory).
    public init(contentsOf path: String) throws(SpecError) {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw SpecError([SpecDiagnostic(file: path, location: nil, path: "", message: "cannot read the file (does it exist?)")])
        }
        defer { try? handle.close() }
        let data: Data
        do {
            data = try handle.read(upToCount: Self.maxBytes + 1) ?? Data()
        } catch {
            throw SpecError([SpecDiagnostic(file: path, location: nil, path: "", message: "cannot read the file: \(error.localizedDescription)")])
        }
        guard data.count <= Self.maxBytes else { throw Self.tooLarge(path) }
        guard let text = String(data: data, encoding: .utf8) else {
            throw SpecError([SpecDiagnostic(file: path, location: nil, path: "", message: "the file is not UTF-8 text")])
        }
        try self.init(file: path, text: text)
    }

    private static func tooLarge(_ file: String) -> SpecError {
        SpecError([SpecDiagnostic(file: file, location: SourceLocation(line: 1, column: 1), path: "",
                                  message: "the spec is larger than \(maxBytes >> 20) MiB; a spec lists axes, not data")])
    }

    /// Where the value at `path` starts, or its nearest enclosing value's start.
    public func location(of path: String) -> SourceLocation? {
        var current = path
        while true {
            if let location = locations[current] { return location }
            guard let cut = current.lastIndex(where: { $0 == "." || $0 == "[" }) else {
                return locations[""]
            }
            current = String(current[..<cut])
        }
    }

    /// A diagnostic about the value at `path`: in the original file when overrides made this
    /// document and the value (or the section holding it) is written there.
    public func diagnostic(_ path: String, _ message: String) -> SpecDiagnostic {
        if let origin {
            var current = path
            while !current.isEmpty {
                if let location = origin.locations[current] {
                    return SpecDiagnostic(file: origin.file, location: location, path: path, message: message)
                }
                guard let cut = current.lastIndex(where: { $0 == "." || $0 == "[" }) else { break }
                current = String(current[..<cut])
            }
        }
        return SpecDiagnostic(file: file, location: location(of: path), path: path, message: message)
    }
}
