import Foundation
import SweepCore
import Yams

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

    /// Parses `text`; `file` decides the format (`.yaml`/`.yml` is YAML, anything else JSON).
    public init(file: String, text: String) throws(SpecError) {
        self.file = file
        self.text = text
        let isYAML = file.hasSuffix(".yaml") || file.hasSuffix(".yml")
        do {
            if isYAML {
                (root, locations) = try SpecDocument.parseYAML(text, file: file)
            } else {
                (root, locations) = try JSONParser.parseWithLocations(text)
            }
        } catch let error as JSONSyntaxError {
            throw SpecError([SpecDiagnostic(file: file, location: error.location, path: "", message: "invalid JSON: \(error.message)")])
        } catch let error as SpecError {
            throw error
        } catch {
            throw SpecError([SpecDiagnostic(file: file, location: nil, path: "", message: "\(error)")])
        }
    }

    /// Reads and parses the spec at `path`.
    public init(contentsOf path: String) throws(SpecError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SpecError([SpecDiagnostic(file: path, location: nil, path: "", message: "cannot read the file (does it exist?)")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw SpecError([SpecDiagnostic(file: path, location: nil, path: "", message: "the file is not UTF-8 text")])
        }
        try self.init(file: path, text: text)
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

    /// A diagnostic about the value at `path`.
    public func diagnostic(_ path: String, _ message: String) -> SpecDiagnostic {
        SpecDiagnostic(file: file, location: location(of: path), path: path, message: message)
    }

    private static func parseYAML(_ text: String, file: String) throws -> (JSONValue, [String: SourceLocation]) {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw SpecError([SpecDiagnostic(file: file, location: nil, path: "", message: "invalid YAML: \(error)")])
        }
        guard let node else { return (.object([:]), [:]) }
        var locations: [String: SourceLocation] = [:]
        let value = try convert(node, path: "", file: file, locations: &locations)
        return (value, locations)
    }

    private static func convert(_ node: Node, path: String, file: String, locations: inout [String: SourceLocation]) throws -> JSONValue {
        if let mark = node.mark { locations[path] = SourceLocation(line: mark.line, column: mark.column) }
        switch node {
        case .scalar(let scalar):
            // Quoted scalars are always strings; plain ones follow YAML 1.2's core schema.
            if scalar.style != .plain { return .string(scalar.string) }
            let s = scalar.string
            switch s {
            case "", "~", "null", "Null", "NULL": return .null
            case "true", "True", "TRUE": return .bool(true)
            case "false", "False", "FALSE": return .bool(false)
            default: break
            }
            if let int = Int(s) { return .int(int) }
            if let real = Double(s), s.first != "." || s.count > 1, !s.lowercased().contains("n") {
                return .double(real)
            }
            return .string(s)
        case .sequence(let sequence):
            var items: [JSONValue] = []
            for (i, item) in sequence.enumerated() {
                items.append(try convert(item, path: "\(path)[\(i)]", file: file, locations: &locations))
            }
            return .array(items)
        case .mapping(let mapping):
            var members: [String: JSONValue] = [:]
            for (key, value) in mapping {
                guard let name = key.string else {
                    let at = key.mark.map { SourceLocation(line: $0.line, column: $0.column) }
                    throw SpecError([SpecDiagnostic(file: file, location: at, path: path, message: "keys must be strings")])
                }
                let childPath = path.isEmpty ? name : path + "." + name
                members[name] = try convert(value, path: childPath, file: file, locations: &locations)
            }
            return .object(members)
        case .alias:
            throw SpecError([SpecDiagnostic(file: file, location: locations[path], path: path, message: "YAML aliases are not supported; repeat the value")])
        }
    }
}
