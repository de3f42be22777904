// libyaml itself (the system library, see Package.swift), not through another package.
import CLibYAML
import SweepCore

/// Reads a YAML spec into a JSON value straight from libyaml's event stream, remembering
/// where each value started, by path (`grid.kan.width[2]`).
///
/// A composer (such as Yams') is not used: it expands aliases into the tree (a "billion
/// laughs" spec grows without bound), recurses once per nesting level and keeps one
/// position per duplicate key. Here the events are consumed in one loop with an explicit stack, so:
/// anchors, aliases and tags other than the core schema's are refused with their
/// position; nesting stops at `JSONParser.maxDepth`; a key given twice (also as nested
/// and dotted names) is refused naming both places; paths are bounded by `PathLocations`.
struct YAMLReader {
    /// A problem at a position; `path` is empty for plain YAML syntax errors.
    struct Failure: Error {
        var location: SourceLocation?
        var path: String
        var message: String
    }

    /// An open list or object and what has been read into it so far; mutated in place
    /// (`stack[last]`), so a long list is not copied per element.
    private struct Frame {
        var path: String
        var isMapping: Bool
        var items: [JSONValue] = []
        var members: [String: JSONValue] = [:]
        /// The key whose value comes next, in a mapping.
        var key: String?
    }

    private var stack: [Frame] = []
    private var root: JSONValue?
    private var locations = PathLocations()

    /// Parses one YAML document; an empty stream is an empty object.
    static func parse(_ text: String) throws(Failure) -> (value: JSONValue, locations: [String: SourceLocation]) {
        var reader = YAMLReader()
        var bytes = Array(text.utf8)
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { throw Failure(location: nil, path: "", message: "cannot start the YAML parser") }
        defer { yaml_parser_delete(&parser) }
        let result: Result<Void, Failure> = bytes.withUnsafeMutableBufferPointer { buffer in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            do throws(Failure) {
                try reader.consume(&parser)
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        if case .failure(var failure) = result {
            // libyaml's reader (bad characters) gives a byte offset, not a line and column.
            if failure.location == nil, parser.error == YAML_READER_ERROR {
                failure.location = Self.location(ofByte: parser.problem_offset, in: bytes)
            }
            throw failure
        }
        return (reader.root ?? .object([:]), reader.locations.byPath)
    }

    private mutating func consume(_ parser: inout yaml_parser_t) throws(Failure) {
        var event = yaml_event_t()
        while true {
            guard yaml_parser_parse(&parser, &event) == 1 else { throw syntaxFailure(parser) }
            defer { yaml_event_delete(&event) }
            let at = SourceLocation(line: Int(event.start_mark.line) + 1, column: Int(event.start_mark.column) + 1)
            switch event.type {
            case YAML_STREAM_END_EVENT:
                return
            case YAML_DOCUMENT_START_EVENT where root != nil:
                throw Failure(location: at, path: "", message: "a spec is one YAML document; remove the second one (after ---)")
            case YAML_ALIAS_EVENT:
                let name = Self.string(event.data.alias.anchor) ?? ""
                throw Failure(location: at, path: nextPath ?? Self.path(of: stack.last), message: "YAML aliases (*\(name)) are not supported: repeat the value")
            case YAML_SCALAR_EVENT:
                let scalar = event.data.scalar
                try refuseAnchor(scalar.anchor, at: at)
                let text = String(decoding: UnsafeBufferPointer(start: scalar.value, count: scalar.length), as: UTF8.self)
                guard let path = nextPath else {
                    try checkKeyTag(scalar.tag, at: at)
                    setKey(text)
                    continue
                }
                try record(path, at: at)
                let value = try Self.resolve(text, plain: scalar.style == YAML_PLAIN_SCALAR_STYLE, tag: Self.string(scalar.tag), at: at, path: path)
                deliver(value)
            case YAML_SEQUENCE_START_EVENT:
                try refuseAnchor(event.data.sequence_start.anchor, at: at)
                let path = try open(at: at, tag: Self.string(event.data.sequence_start.tag), allowed: "tag:yaml.org,2002:seq")
                stack.append(Frame(path: path, isMapping: false))
            case YAML_MAPPING_START_EVENT:
                try refuseAnchor(event.data.mapping_start.anchor, at: at)
                let path = try open(at: at, tag: Self.string(event.data.mapping_start.tag), allowed: "tag:yaml.org,2002:map")
                stack.append(Frame(path: path, isMapping: true))
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                let frame = stack.removeLast()
                deliver(frame.isMapping ? .object(frame.members) : .array(frame.items))
            default:
                continue  // stream and document start/end
            }
        }
    }

    /// The path of the value the next event starts, or nil when it is a mapping key.
    private var nextPath: String? {
        guard let frame = stack.last else { return "" }
        guard frame.isMapping else { return "\(frame.path)[\(frame.items.count)]" }
        guard let key = frame.key else { return nil }
        return frame.path.isEmpty ? key : frame.path + "." + key
    }

    /// Starts a list or object: checks its position, tag and depth and returns its path.
    private mutating func open(at: SourceLocation, tag: String?, allowed: String) throws(Failure) -> String {
        guard let path = nextPath else {
            throw Failure(location: at, path: Self.path(of: stack.last), message: "keys must be strings")
        }
        if let tag, tag != allowed { throw Self.unknownTag(tag, at: at, path: path) }
        guard stack.count < JSONParser.maxDepth else {
            throw Failure(location: at, path: path, message: JSONParser.depthMessage)
        }
        try record(path, at: at)
        return path
    }

    private mutating func setKey(_ key: String) {
        stack[stack.count - 1].key = key
    }

    /// Puts a finished value into the open list or object, or makes it the root.
    private mutating func deliver(_ value: JSONValue) {
        guard let last = stack.indices.last else {
            root = value
            return
        }
        if let key = stack[last].key {
            stack[last].members[key] = value
            stack[last].key = nil
        } else {
            stack[last].items.append(value)
        }
    }

    /// Remembers where the value at `path` starts; a second value at the same path is an error.
    private mutating func record(_ path: String, at: SourceLocation) throws(Failure) {
        do {
            try locations.record(path, at: at)
        } catch {
            throw Failure(location: error.location, path: error.path ?? "", message: error.message)
        }
    }

    private func refuseAnchor(_ anchor: UnsafeMutablePointer<yaml_char_t>?, at: SourceLocation) throws(Failure) {
        guard let anchor = Self.string(anchor) else { return }
        throw Failure(location: at, path: nextPath ?? Self.path(of: stack.last),
                      message: "YAML anchors (&\(anchor)) are not supported: repeat the value")
    }

    private func checkKeyTag(_ tag: UnsafeMutablePointer<yaml_char_t>?, at: SourceLocation) throws(Failure) {
        if let tag = Self.string(tag), tag != "tag:yaml.org,2002:str" {
            throw Self.unknownTag(tag, at: at, path: Self.path(of: stack.last))
        }
    }

    private static func path(of frame: Frame?) -> String {
        frame?.path ?? ""
    }

    /// The line and column (in characters, as libyaml counts) of a byte offset.
    private static func location(ofByte offset: Int, in bytes: [UInt8]) -> SourceLocation {
        var line = 1, column = 1
        for byte in bytes.prefix(offset) {
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return SourceLocation(line: line, column: column)
    }

    private static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: $0) }
    }

    private static func unknownTag(_ tag: String, at: SourceLocation, path: String) -> Failure {
        let shown = tag.hasPrefix("tag:yaml.org,2002:") ? "!!" + tag.dropFirst("tag:yaml.org,2002:".count) : tag
        return Failure(location: at, path: path,
                       message: "unknown YAML tag \(shown): a spec holds plain values (allowed: !!str, !!int, !!float, !!bool, !!null, !!seq, !!map)")
    }

    /// A scalar's value: quoted ones are strings, plain ones follow YAML 1.2's core schema,
    /// and a core-schema tag must agree with the text.
    private static func resolve(_ text: String, plain: Bool, tag: String?, at: SourceLocation, path: String) throws(Failure) -> JSONValue {
        guard let tag else { return plain ? resolvePlain(text) : .string(text) }
        let wanted: String
        switch (tag, resolvePlain(text)) {
        case ("tag:yaml.org,2002:str", _): return .string(text)
        case ("tag:yaml.org,2002:int", .int(let v)): return .int(v)
        case ("tag:yaml.org,2002:float", .int(let v)): return .double(Double(v))
        case ("tag:yaml.org,2002:float", .double(let v)): return .double(v)
        case ("tag:yaml.org,2002:bool", .bool(let v)): return .bool(v)
        case ("tag:yaml.org,2002:null", .null): return .null
        case ("tag:yaml.org,2002:int", _): wanted = "an integer"
        case ("tag:yaml.org,2002:float", _): wanted = "a number"
        case ("tag:yaml.org,2002:bool", _): wanted = "true or false"
        case ("tag:yaml.org,2002:null", _): wanted = "null"
        default: throw unknownTag(tag, at: at, path: path)
        }
        throw Failure(location: at, path: path, message: "tagged \(wanted) but \"\(text)\" is not one")
    }

    private static func resolvePlain(_ s: String) -> JSONValue {
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
    }

    private func syntaxFailure(_ parser: yaml_parser_t) -> Failure {
        let problem = parser.problem.map { String(cString: $0) } ?? "malformed YAML"
        let context = parser.context.map { " " + String(cString: $0) } ?? ""
        let mark = parser.problem_mark
        let location = parser.error == YAML_READER_ERROR
            ? nil : SourceLocation(line: Int(mark.line) + 1, column: Int(mark.column) + 1)
        // A libyaml with a nesting limit (1000; its development version, which Yams carries,
        // not release 0.2.5) may stop a flow list's brackets, scanned ahead of their events,
        // before this reader's depth check sees them.
        if problem.hasPrefix("Maximum nesting level") {
            return Failure(location: location, path: nextPath ?? Self.path(of: stack.last), message: JSONParser.depthMessage)
        }
        return Failure(location: location, path: "", message: "invalid YAML: \(problem)\(context)")
    }
}
