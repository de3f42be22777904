/// Where each value of a parsed document started, by path (`grid.kan.width[2]`), with the
/// rules the JSON and YAML spec readers share: a second value at a path already seen (a
/// duplicate key, or `{"kan": {"width": 8}, "kan.width": 16}`) is an error naming both
/// places, and the paths add up to at most `maxBytes` (a long key above a long list would
/// otherwise repeat in every element's path).
public struct PathLocations: Sendable {
    /// The most bytes the recorded paths may add up to.
    public static let maxBytes = 64 << 20

    /// Where each value started, by path.
    public private(set) var byPath: [String: SourceLocation] = [:]
    private var bytes = 0

    public init() {}

    /// Records that the value at `path` starts at `location`.
    ///
    /// - Throws: a `JSONSyntaxError` with the path when the path was seen before (the root,
    ///   path "", excepted) or the paths grow past `maxBytes`.
    public mutating func record(_ path: String, at location: SourceLocation) throws(JSONSyntaxError) {
        if let first = byPath[path], !path.isEmpty {
            throw JSONSyntaxError(location: location, message: "given twice, first at \(first)", path: path)
        }
        bytes += path.utf8.count
        guard bytes <= Self.maxBytes else {
            throw JSONSyntaxError(location: location, message: "the paths of all values add up to more than \(Self.maxBytes >> 20) MiB (shorten long keys)", path: "")
        }
        byPath[path] = location
    }
}
