import Foundation
import SweepCore
import SweepSpec

extension TableSpec {
    /// Builds a table from `sweep report` flag values: comma-separated lists for `--rows`,
    /// `--columns` and `--metrics`, `--window N`, and repeatable `--where key=v1,v2`.
    ///
    /// Filter values are read as numbers or booleans when they look like one, `-` as "param
    /// absent", else as strings; numbers match jobs by value (`1` matches `1.0`). Whether the
    /// names exist is checked later, against the sweep (`ReportInput.checkNames(of:)`).
    /// - Throws: `ReportSpecError` whose path is the flag (`--window`).
    public init(rows: String?, columns: String?, metrics: String?, window: Int?, filters: [String] = []) throws(ReportSpecError) {
        let rowList = Self.list(rows)
        let columnList = Self.list(columns)
        if let shared = rowList.first(where: columnList.contains) {
            throw ReportSpecError(path: "--columns", message: "\"\(shared)\" is already in --rows; a param can be a row or a column, not both")
        }
        if let window, window <= 0 {
            throw ReportSpecError(path: "--window", message: "expected a positive number of epochs, got \(window)")
        }
        var filter: [String: [JSONValue]] = [:]
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
        self.init(rows: rowList, columns: columnList, metrics: Self.list(metrics), window: window ?? Self.defaultWindow, filter: filter)
    }

    private static func list(_ flag: String?) -> [String] {
        guard let flag else { return [] }
        return flag.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    private static func flagValue(_ text: String) -> JSONValue {
        if text == "-" { return .null }
        if let number = Int(text) { return .int(number) }
        if let number = Double(text) { return .double(number) }
        if text == "true" || text == "false" { return .bool(text == "true") }
        return .string(text)
    }
}
