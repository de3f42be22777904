import Foundation
import SweepCore

extension TableSpec {
    /// Builds a table from `sweep report` flag values: comma-separated lists for `--rows`,
    /// `--columns` and `--metrics`, `--window N`, and repeatable `--where key=v1,v2`.
    ///
    /// Filter values are read as numbers or booleans when they look like one, `-` as "param
    /// absent", else as strings; numbers match jobs by value (`1` matches `1.0`). Whether the
    /// names exist is checked later, against the sweep (`ReportInput.checkNames(of:)`).
    /// `--difference param=a,b` (repeatable) reports a − b paired by seed; `--metric-difference
    /// m1,m2` reports m1 − m2 within each job.
    /// - Throws: `ReportSpecError` whose path is the flag (`--window`).
    public init(
        rows: String?, columns: String?, metrics: String?, window: Int?, filters: [String] = [],
        differences: [String] = [], metricDifferences: [String] = []
    ) throws(ReportSpecError) {
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
            let (key, values) = try Self.clause(clause, flag: "--where")
            guard !values.isEmpty else {
                throw ReportSpecError(path: "--where", message: "no values given for \"\(key)\" in \"\(clause)\"")
            }
            filter[key, default: []] += values
        }
        var contrasts: [Difference] = []
        for clause in differences {
            let (key, values) = try Self.clause(clause, flag: "--difference")
            guard values.count == 2, values[0] != values[1], !values.contains(.null), key != Self.seedKey else {
                throw ReportSpecError(path: "--difference", message: "expected param=a,b (two different values of one param; a − b is reported), found \"\(clause)\"")
            }
            contrasts.append(.param(key, value: values[0], other: values[1]))
        }
        for pair in metricDifferences {
            let names = Self.list(pair)
            guard names.count == 2, names[0] != names[1] else {
                throw ReportSpecError(path: "--metric-difference", message: "expected two different metrics m1,m2 (m1 − m2 is reported), found \"\(pair)\"")
            }
            contrasts.append(.metrics(names[0], other: names[1]))
        }
        guard contrasts.count <= Self.maxDifferences else {
            throw ReportSpecError(path: "--difference", message: "\(contrasts.count) differences; at most \(Self.maxDifferences)")
        }
        self.init(
            rows: rowList, columns: columnList, metrics: Self.list(metrics), window: window ?? Self.defaultWindow, filter: filter,
            differences: contrasts)
    }

    /// `key=v1,v2` as the key and its values.
    private static func clause(_ clause: String, flag: String) throws(ReportSpecError) -> (String, [JSONValue]) {
        guard let equals = clause.firstIndex(of: "="), equals != clause.startIndex else {
            throw ReportSpecError(path: flag, message: "expected key=value[,value...], found \"\(clause)\"")
        }
        let key = String(clause[..<equals]).trimmingCharacters(in: .whitespaces)
        return (key, list(String(clause[clause.index(after: equals)...])).map(flagValue))
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
