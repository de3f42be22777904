/// The last lines of a program's stream, at most `maxLines` and `maxBytes` of them (each
/// line counted with its newline), and how much was dropped before them: a program that
/// prints a million long lines costs bounded memory and log space.
struct LineTail {
    let maxLines: Int
    let maxBytes: Int
    private(set) var lines: [String] = []
    private var bytes = 0
    /// Lines and bytes dropped from the front.
    private(set) var droppedLines = 0
    private(set) var droppedBytes = 0

    init(maxLines: Int, maxBytes: Int) {
        self.maxLines = maxLines
        self.maxBytes = maxBytes
    }

    mutating func append(_ line: String) {
        lines.append(line)
        bytes += line.utf8.count + 1
        while lines.count > maxLines || (bytes > maxBytes && lines.count > 1) {
            let first = lines.removeFirst()
            bytes -= first.utf8.count + 1
            droppedLines += 1
            droppedBytes += first.utf8.count + 1
        }
    }

    /// `1.5 MiB` style: the size of what was dropped, for the log's marker.
    static func size(_ bytes: Int) -> String {
        let tenths = (bytes * 10) >> 20
        if tenths > 0 { return "\(tenths / 10).\(tenths % 10) MiB" }
        return bytes >= 1 << 10 ? "\(bytes >> 10) KiB" : "\(bytes) bytes"
    }
}
