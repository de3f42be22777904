import Foundation

extension TableSpec {
    /// Fields a table object may have, in the order error messages list them.
    private static let tableFields = ["title", "rows", "columns", "metrics", "window", "filter", "decimals"]

    /// Parses a spec's `report` section, `{"window": 10, "tables": [{...}, ...]}`, as
    /// `JSONSerialization` returns it; a section-level `window` is the default of every table.
    ///
    /// - Parameters:
    ///   - section: The decoded `report` value.
    ///   - path: The section's JSON path, used in error messages.
    /// - Returns: The tables in spec order (empty if the section lists none).
    /// - Throws: `ReportSpecError` naming the first offending field.
    public static func parseReportSection(_ section: Any, path: String = "report") throws -> [TableSpec] {
        guard let object = section as? [String: Any] else {
            throw ReportSpecError(path: path, message: "expected an object with \"tables\", found \(describe(section))")
        }
        try rejectUnknownFields(of: object, allowed: ["window", "tables"], path: path)
        let window = try object["window"].map { try positiveInteger($0, path: "\(path).window") } ?? defaultWindow
        guard let tablesValue = object["tables"] else { return [] }
        guard let tables = tablesValue as? [Any] else {
            throw ReportSpecError(path: "\(path).tables", message: "expected an array of tables, found \(describe(tablesValue))")
        }
        return try tables.enumerated().map { index, table in
            try TableSpec(json: table, path: "\(path).tables[\(index)]", defaultWindow: window)
        }
    }

    /// Parses one table object, e.g. `{"rows": ["distribution"], "columns": ["dataset"],
    /// "metrics": ["train_acc", "test_acc"], "window": 10, "filter": {"model": "mlp"}}`.
    ///
    /// - Parameters:
    ///   - json: The decoded table value.
    ///   - path: The table's JSON path, used in error messages.
    ///   - defaultWindow: The window when the table gives none.
    /// - Throws: `ReportSpecError` naming the offending field and what was expected.
    public init(json: Any, path: String, defaultWindow: Int = TableSpec.defaultWindow) throws {
        guard let object = json as? [String: Any] else {
            throw ReportSpecError(path: path, message: "expected a table object, found \(Self.describe(json))")
        }
        try Self.rejectUnknownFields(of: object, allowed: Self.tableFields, path: path)
        var title: String?
        if let value = object["title"] {
            guard let string = value as? String else {
                throw ReportSpecError(path: "\(path).title", message: "expected a string, found \(Self.describe(value))")
            }
            title = string
        }
        let rows = try object["rows"].map { try Self.names($0, path: "\(path).rows") } ?? []
        let columns = try object["columns"].map { try Self.names($0, path: "\(path).columns") } ?? []
        if let shared = rows.first(where: columns.contains) {
            throw ReportSpecError(path: "\(path).columns", message: "\"\(shared)\" is already a row param; a param can be a row or a column, not both")
        }
        let metrics = try object["metrics"].map { try Self.names($0, path: "\(path).metrics") } ?? []
        let window = try object["window"].map { try Self.positiveInteger($0, path: "\(path).window") } ?? defaultWindow
        let filter = try object["filter"].map { try Self.filter($0, path: "\(path).filter") } ?? [:]
        var decimals: Int?
        if let value = object["decimals"] {
            guard let number = Self.integer(value), (0...12).contains(number) else {
                throw ReportSpecError(path: "\(path).decimals", message: "expected an integer from 0 to 12, found \(Self.describe(value))")
            }
            decimals = number
        }
        self.init(title: title, rows: rows, columns: columns, metrics: metrics, window: window, filter: filter, decimals: decimals)
    }

    /// Builds a table from `sweep report` flag values: comma-separated lists for `--rows`,
    /// `--columns` and `--metrics`, `--window N`, and repeatable `--where key=v1,v2`.
    ///
    /// Filter values are read as numbers or booleans when they look like one, `-` as "param
    /// absent", else as strings.
    /// - Throws: `ReportSpecError` whose path is the flag (`--window`).
    public init(rows: String?, columns: String?, metrics: String?, window: String?, filters: [String] = []) throws {
        let rowList = Self.list(rows)
        let columnList = Self.list(columns)
        if let shared = rowList.first(where: columnList.contains) {
            throw ReportSpecError(path: "--columns", message: "\"\(shared)\" is already in --rows; a param can be a row or a column, not both")
        }
        var windowValue = Self.defaultWindow
        if let window {
            guard let number = Int(window.trimmingCharacters(in: .whitespaces)), number > 0 else {
                throw ReportSpecError(path: "--window", message: "expected a positive integer, found \"\(window)\"")
            }
            windowValue = number
        }
        var filter: [String: [ParamValue?]] = [:]
        for clause in filters {
            guard let equals = clause.firstIndex(of: "="), equals != clause.startIndex else {
                throw ReportSpecError(path: "--where", message: "expected key=value[,value...], found \"\(clause)\"")
            }
            let key = String(clause[..<equals]).trimmingCharacters(in: .whitespaces)
            let values = Self.list(String(clause[clause.index(after: equals)...])).map(Self.flagValue)
            guard !values.isEmpty else {
                throw ReportSpecError(path: "--where", message: "no values given for \"\(key)\" in \"\(clause)\"")
            }
            filter[key, default: []] += values
        }
        self.init(rows: rowList, columns: columnList, metrics: Self.list(metrics), window: windowValue, filter: filter)
    }

    // MARK: - Field readers

    private static func rejectUnknownFields(of object: [String: Any], allowed: [String], path: String) throws {
        if let unknown = object.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw ReportSpecError(path: "\(path).\(unknown)", message: "unknown field; expected one of \(allowed.joined(separator: ", "))")
        }
    }

    private static func names(_ value: Any, path: String) throws -> [String] {
        guard let array = value as? [Any] else {
            throw ReportSpecError(path: path, message: "expected an array of names, found \(describe(value))")
        }
        var names: [String] = []
        for (index, element) in array.enumerated() {
            guard let name = element as? String, !name.isEmpty else {
                throw ReportSpecError(path: "\(path)[\(index)]", message: "expected a non-empty string, found \(describe(element))")
            }
            guard !names.contains(name) else {
                throw ReportSpecError(path: "\(path)[\(index)]", message: "\"\(name)\" is listed twice")
            }
            names.append(name)
        }
        return names
    }

    private static func positiveInteger(_ value: Any, path: String) throws -> Int {
        guard let number = integer(value), number > 0 else {
            throw ReportSpecError(path: path, message: "expected a positive integer, found \(describe(value))")
        }
        return number
    }

    /// An integral JSON number (`10` or `10.0`); nil for booleans, fractions and non-numbers.
    private static func integer(_ value: Any) -> Int? {
        switch ParamValue(json: value) {
        case .int(let number): return number
        case .double(let number) where number == number.rounded() && abs(number) < 1e15: return Int(number)
        default: return nil
        }
    }

    private static func filter(_ value: Any, path: String) throws -> [String: [ParamValue?]] {
        guard let object = value as? [String: Any] else {
            throw ReportSpecError(path: path, message: "expected an object of param: value or [values], found \(describe(value))")
        }
        var filter: [String: [ParamValue?]] = [:]
        for key in object.keys.sorted() {
            let entry = object[key]!
            let elements = entry as? [Any] ?? [entry]
            var values: [ParamValue?] = []
            for (index, element) in elements.enumerated() {
                if element is NSNull {
                    values.append(nil)
                    continue
                }
                guard let parsed = ParamValue(json: element) else {
                    let fieldPath = entry is [Any] ? "\(path).\(key)[\(index)]" : "\(path).\(key)"
                    throw ReportSpecError(path: fieldPath, message: "expected a string, number, boolean or null, found \(describe(element))")
                }
                values.append(parsed)
            }
            guard !values.isEmpty else {
                throw ReportSpecError(path: "\(path).\(key)", message: "expected at least one value")
            }
            filter[key] = values
        }
        return filter
    }

    private static func list(_ flag: String?) -> [String] {
        guard let flag else { return [] }
        return flag.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    private static func flagValue(_ text: String) -> ParamValue? {
        if text == "-" { return nil }
        if let number = Int(text) { return .int(number) }
        if let number = Double(text) { return .double(number) }
        if text == "true" || text == "false" { return .bool(text == "true") }
        return .string(text)
    }

    /// A short description of a JSON value for error messages.
    private static func describe(_ value: Any) -> String {
        if let string = value as? String { return "\"\(string)\"" }
        if value is [Any] { return "an array" }
        if value is [String: Any] { return "an object" }
        if value is NSNull { return "null" }
        if let parsed = ParamValue(json: value) { return parsed.description }
        return "\(type(of: value))"
    }
}
