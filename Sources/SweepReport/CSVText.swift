/// RFC 4180 field quoting and record assembly over a `TextBuffer`.
///
/// Fields containing a comma, double quote, CR or LF are enclosed in double quotes with
/// inner quotes doubled; records end with LF (pandas and R read LF and CRLF alike, and LF
/// keeps golden files stable under git's line-ending conversion).
///
/// A text field that a spreadsheet would read as a formula (it starts with `=`, `+`, `-`,
/// `@`, tab or CR and is not a number) gets a leading `'`, as OWASP advises against CSV
/// injection: param values and metric names come from spec files and programs, and a
/// report's CSV is opened in spreadsheets as often as in pandas.
public enum CSVText {
    /// One record as text (fields quoted as needed, then LF): for CSVs written elsewhere
    /// (`sweep export`), so every CSV of sweep quotes alike.
    public static func record(_ fields: [String]) -> String {
        var buffer = TextBuffer(capacity: fields.reduce(1) { $0 + $1.utf8.count + 3 })
        appendRecord(fields, to: &buffer)
        return buffer.string
    }

    /// Appends one field, quoted when needed.
    static func appendField(_ rawField: String, to buffer: inout TextBuffer) {
        let field = neutralisingFormula(rawField)
        let needsQuotes = field.utf8.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") }
        guard needsQuotes else {
            buffer.append(field)
            return
        }
        buffer.append(byte: UInt8(ascii: "\""))
        for byte in field.utf8 {
            if byte == UInt8(ascii: "\"") { buffer.append(byte: byte) }
            buffer.append(byte: byte)
        }
        buffer.append(byte: UInt8(ascii: "\""))
    }

    /// `field`, or `'` + `field` when a spreadsheet would evaluate it. Numbers such as
    /// `-0.5` or `+3` are left alone: they are data, and pandas must still read them.
    static func neutralisingFormula(_ field: String) -> String {
        guard let first = field.utf8.first else { return field }
        switch first {
        case UInt8(ascii: "="), UInt8(ascii: "@"), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
            return "'" + field
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            return Double(field) == nil ? "'" + field : field
        default:
            return field
        }
    }

    /// Appends a whole record: fields separated by commas, then LF.
    static func appendRecord(_ fields: [String], to buffer: inout TextBuffer) {
        for (index, field) in fields.enumerated() {
            if index > 0 { buffer.append(byte: UInt8(ascii: ",")) }
            appendField(field, to: &buffer)
        }
        buffer.append(byte: UInt8(ascii: "\n"))
    }

    /// Header names for param columns: the param key, or `param.<key>` when it would clash
    /// with one of the fixed columns.
    static func paramColumnNames(_ keys: [String], fixed: Set<String>) -> [String] {
        keys.map { fixed.contains($0) ? "param.\($0)" : $0 }
    }
}
