import SweepCore
import SweepReport

/// Reads a spec's `report` section, `{"window": 10, "tables": [{...}, ...]}`, into typed
/// tables, reporting every problem with its position (`dist.json:31:20:
/// report.tables[0].window: expected a positive integer, got 0`) in the same pass as the
/// rest of the spec. A section-level `window` is the default of every table.
///
/// With the workload's parameters known, row, column and filter names must be parameters
/// (or `seed`), with a did-you-mean, and filter values are coerced like any other value of
/// that parameter, so `{"value": 1}` matches jobs whose `value` is the real 1.0.
struct ReportSectionReader {
    /// Fields a table object may have, in the order error messages list them.
    static let tableFields = ["title", "rows", "columns", "metrics", "window", "filter", "decimals", "top", "direction", "heatmap", "differences"]
    /// Bounds on what a section may ask for.
    static let maxTables = 100
    static let maxWindow = 1_000_000
    static let maxNames = 64

    let document: SpecDocument
    /// The workload's parameters by name; nil when unknown (names are then not checked).
    let schema: [String: ParamSpec]?
    private(set) var diagnostics: [SpecDiagnostic] = []

    init(document: SpecDocument, schema: [String: ParamSpec]?) {
        self.document = document
        self.schema = schema
    }

    /// The tables of the section at `path` (empty when there is no section or it lists none).
    mutating func read(_ section: JSONValue?, path: String = "report") -> [TableSpec] {
        guard let section else { return [] }
        guard case .object(let object) = section else {
            report(path, "expected an object with \"tables\", like {\"tables\": [{\"rows\": [...]}]}, got \(Self.describe(section))")
            return []
        }
        rejectUnknownFields(of: object, allowed: ["window", "tables"], path: path)
        let window = object["window"].flatMap { positiveInteger($0, path: "\(path).window") } ?? TableSpec.defaultWindow
        guard let tablesValue = object["tables"] else { return [] }
        guard case .array(let tables) = tablesValue else {
            report("\(path).tables", "expected a list of tables, got \(Self.describe(tablesValue))")
            return []
        }
        guard tables.count <= Self.maxTables else {
            report("\(path).tables", "\(tables.count) tables; at most \(Self.maxTables)")
            return []
        }
        return tables.enumerated().compactMap { index, table in
            readTable(table, path: "\(path).tables[\(index)]", defaultWindow: window)
        }
    }

    /// One table object, e.g. `{"rows": ["distribution"], "columns": ["dataset"],
    /// "metrics": ["train_acc", "test_acc"], "window": 10, "filter": {"model": "mlp"}}`.
    private mutating func readTable(_ value: JSONValue, path: String, defaultWindow: Int) -> TableSpec? {
        guard case .object(let object) = value else {
            report(path, "expected a table object, got \(Self.describe(value))")
            return nil
        }
        let before = diagnostics.count
        rejectUnknownFields(of: object, allowed: Self.tableFields, path: path)
        var title: String?
        if let value = object["title"] {
            if case .string(let string) = value, string.count <= 200 {
                title = string
            } else {
                report("\(path).title", "expected a string of at most 200 characters, got \(Self.describe(value))")
            }
        }
        let rows = object["rows"].map { names($0, path: "\(path).rows", params: true) } ?? []
        let columns = object["columns"].map { names($0, path: "\(path).columns", params: true) } ?? []
        if let shared = rows.first(where: columns.contains) {
            report("\(path).columns", "\"\(shared)\" is already a row param; a param can be a row or a column, not both")
        }
        let metrics = object["metrics"].map { names($0, path: "\(path).metrics", params: false) } ?? []
        let window = object["window"].map { positiveInteger($0, path: "\(path).window") } ?? defaultWindow
        let filter = object["filter"].map { readFilter($0, path: "\(path).filter") } ?? [:]
        var decimals: Int?
        if let value = object["decimals"] {
            if let number = Self.integer(value), (0...12).contains(number) {
                decimals = number
            } else {
                report("\(path).decimals", "expected an integer from 0 to 12, got \(Self.describe(value))")
            }
        }
        var top: Int?
        if let value = object["top"] {
            if let number = Self.integer(value), (1...TableSpec.maxTop).contains(number) {
                top = number
            } else {
                report("\(path).top", "expected an integer from 1 to \(TableSpec.maxTop), got \(Self.describe(value))")
            }
        }
        var direction: TableSpec.Direction?
        if let value = object["direction"] {
            if case .string(let text) = value, let known = TableSpec.Direction(rawValue: text) {
                direction = known
            } else {
                report("\(path).direction", "expected \"maximize\" or \"minimize\", got \(Self.describe(value))")
            }
        }
        var heatmap: [String]?
        if let value = object["heatmap"] {
            let axes = names(value, path: "\(path).heatmap", params: true)
            if axes.count != 2 {
                report("\(path).heatmap", "expected two params, down then across, like [\"kan.width\", \"kan.grid\"], got \(Self.describe(value))")
            } else if let stray = axes.first(where: { !(rows + columns).contains($0) }) {
                report("\(path).heatmap", "\"\(stray)\" is neither in rows nor in columns; a heatmap pictures two of them")
            } else {
                heatmap = axes
            }
        }
        let differences = object["differences"].map { readDifferences($0, path: "\(path).differences") } ?? []
        guard diagnostics.count == before, let window else { return nil }
        return TableSpec(
            title: title, rows: rows, columns: columns, metrics: metrics, window: window, filter: filter, decimals: decimals,
            top: top, direction: direction, heatmap: heatmap, differences: differences)
    }

    /// `[{"param": "model", "values": ["kan", "mlp"]}, {"metrics": ["a", "b"]}]`.
    private mutating func readDifferences(_ value: JSONValue, path: String) -> [TableSpec.Difference] {
        let example = "like [{\"param\": \"model\", \"values\": [\"kan\", \"mlp\"]}] or [{\"metrics\": [\"a\", \"b\"]}]"
        guard case .array(let entries) = value, entries.count <= TableSpec.maxDifferences else {
            report(path, "expected a list of at most \(TableSpec.maxDifferences) differences, \(example), got \(Self.describe(value))")
            return []
        }
        var differences: [TableSpec.Difference] = []
        for (index, entry) in entries.enumerated() {
            let entryPath = "\(path)[\(index)]"
            guard case .object(let object) = entry, (object["param"] == nil) != (object["metrics"] == nil) else {
                report(entryPath, "expected an object with either \"param\" and \"values\" or \"metrics\", \(example), got \(Self.describe(entry))")
                continue
            }
            if let metricsValue = object["metrics"] {
                rejectUnknownFields(of: object, allowed: ["metrics"], path: entryPath)
                let metrics = names(metricsValue, path: "\(entryPath).metrics", params: false)
                guard metrics.count == 2 else {
                    report("\(entryPath).metrics", "expected two metrics, the first minus the second, got \(Self.describe(metricsValue))")
                    continue
                }
                differences.append(.metrics(metrics[0], other: metrics[1]))
                continue
            }
            rejectUnknownFields(of: object, allowed: ["param", "values"], path: entryPath)
            guard case .string(let param)? = object["param"], !param.isEmpty, param != TableSpec.seedKey else {
                report("\(entryPath).param", "expected the name of a swept param (not seed), got \(Self.describe(object["param"]!))")
                continue
            }
            if let problem = JobConfig.nameProblem(param) ?? unknownParam(param) {
                report("\(entryPath).param", problem)
                continue
            }
            guard case .array(let values)? = object["values"], values.count == 2 else {
                report("\(entryPath).values", "expected two values of \"\(param)\", the first minus the second, like [\"kan\", \"mlp\"]")
                continue
            }
            let coerced = values.enumerated().compactMap { offset, element in
                element == .null ? nil : filterValue(element, param: param, path: "\(entryPath).values[\(offset)]")
            }
            guard coerced.count == 2, coerced[0] != coerced[1] else {
                report("\(entryPath).values", "expected two different values of \"\(param)\", got \(Self.describe(object["values"]!))")
                continue
            }
            differences.append(.param(param, value: coerced[0], other: coerced[1]))
        }
        return differences
    }

    private mutating func report(_ path: String, _ message: String) {
        diagnostics.append(document.diagnostic(path, message))
    }

    private mutating func rejectUnknownFields(of object: [String: JSONValue], allowed: [String], path: String) {
        for key in object.keys.sorted() where !key.hasPrefix("//") && !allowed.contains(key) {
            report("\(path).\(key)", "unknown field; expected one of \(allowed.joined(separator: ", "))"
                + DidYouMean.suggestion(for: key, among: allowed))
        }
    }

    private mutating func names(_ value: JSONValue, path: String, params: Bool) -> [String] {
        guard case .array(let array) = value, array.count <= Self.maxNames else {
            report(path, "expected a list of at most \(Self.maxNames) names, got \(Self.describe(value))")
            return []
        }
        var names: [String] = []
        for (index, element) in array.enumerated() {
            guard case .string(let name) = element, !name.isEmpty else {
                report("\(path)[\(index)]", "expected a non-empty string, got \(Self.describe(element))")
                continue
            }
            guard !names.contains(name) else {
                report("\(path)[\(index)]", "\"\(name)\" is listed twice")
                continue
            }
            if params, let problem = JobConfig.nameProblem(name) ?? unknownParam(name) { report("\(path)[\(index)]", problem) }
            names.append(name)
        }
        return names
    }

    /// Says why `name` is not a param of the workload, or nil when it is (or unknowable).
    private func unknownParam(_ name: String) -> String? {
        guard let schema, name != TableSpec.seedKey, schema[name] == nil else { return nil }
        return TableSpec.unknownName(name, kind: "parameter", among: Array(schema.keys) + [TableSpec.seedKey])
    }

    private mutating func positiveInteger(_ value: JSONValue, path: String) -> Int? {
        guard let number = Self.integer(value), (1...Self.maxWindow).contains(number) else {
            report(path, "expected a positive integer (at most \(Self.maxWindow)), got \(Self.describe(value))")
            return nil
        }
        return number
    }

    /// An integral JSON number (`10` or `10.0`); nil for booleans, fractions and non-numbers.
    private static func integer(_ value: JSONValue) -> Int? {
        switch value {
        case .int(let number): return number
        case .double(let number) where number == number.rounded() && abs(number) < 1e15: return Int(number)
        default: return nil
        }
    }

    private mutating func readFilter(_ value: JSONValue, path: String) -> [String: [JSONValue]] {
        guard case .object(let object) = value else {
            report(path, "expected an object of param: value or [values], got \(Self.describe(value))")
            return [:]
        }
        var filter: [String: [JSONValue]] = [:]
        for key in object.keys.sorted() where !key.hasPrefix("//") {
            let entry = object[key]!
            if let problem = unknownParam(key) {
                report("\(path).\(key)", problem)
                continue
            }
            let isList = entry.arrayValue != nil
            let elements = entry.arrayValue ?? [entry]
            var values: [JSONValue] = []
            for (index, element) in elements.enumerated() {
                let elementPath = isList ? "\(path).\(key)[\(index)]" : "\(path).\(key)"
                if let coerced = filterValue(element, param: key, path: elementPath) { values.append(coerced) }
            }
            guard !elements.isEmpty else {
                report("\(path).\(key)", "expected at least one value")
                continue
            }
            filter[key] = values
        }
        return filter
    }

    /// A filter value as jobs store it: coerced by the param's schema when known; `null`
    /// stands for "the job lacks the param".
    private mutating func filterValue(_ value: JSONValue, param: String, path: String) -> JSONValue? {
        switch value {
        case .null: return .null
        case .array, .object:
            report(path, "expected a string, number, boolean or null, got \(Self.describe(value))")
            return nil
        default: break
        }
        if param == TableSpec.seedKey {
            guard let seed = Self.integer(value), seed >= 0 else {
                report(path, "expected a non-negative integer seed, got \(Self.describe(value))")
                return nil
            }
            return .int(seed)
        }
        guard let spec = schema?[param] else { return value }
        guard let coerced = spec.coerce(value) else {
            report(path, "expected \(spec.expectation), got \(Self.describe(value))")
            return nil
        }
        return coerced
    }

    /// A JSON value for error messages: scalars as written, containers by kind.
    static func describe(_ value: JSONValue) -> String {
        switch value {
        case .array, .object: return value.kindDescription
        default:
            let text = value.canonicalText
            return text.count > 40 ? value.kindDescription : text
        }
    }
}
