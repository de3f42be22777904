import Foundation

/// Which kinds of files `Report.write(to:formats:)` produces (`--format md,csv,svg`).
public struct ReportFormats: OptionSet, Sendable, Hashable {
    /// The bit set.
    public let rawValue: Int

    /// Creates a set from its raw bits.
    public init(rawValue: Int) {
        self.rawValue = rawValue
    }

    /// `report.md`.
    public static let markdown = ReportFormats(rawValue: 1 << 0)
    /// `metrics.csv` and `table-<n>.csv`.
    public static let csv = ReportFormats(rawValue: 1 << 1)
    /// `table-<n>-<row>.svg`.
    public static let svg = ReportFormats(rawValue: 1 << 2)
    /// Every format (the default).
    public static let all: ReportFormats = [.markdown, .csv, .svg]

    /// Parses a `--format` value: comma-separated `md`, `csv`, `svg` or `all`.
    ///
    /// - Throws: `ReportSpecError` at `--format` naming the unknown entry.
    public init(flag: String) throws {
        var formats: ReportFormats = []
        for part in flag.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !part.isEmpty {
            switch part.lowercased() {
            case "md", "markdown": formats.insert(.markdown)
            case "csv": formats.insert(.csv)
            case "svg": formats.insert(.svg)
            case "all": formats.formUnion(.all)
            default: throw ReportSpecError(path: "--format", message: "unknown format \"\(part)\"; expected md, csv, svg or all")
            }
        }
        guard !formats.isEmpty else {
            throw ReportSpecError(path: "--format", message: "expected one or more of md, csv, svg, all")
        }
        self = formats
    }
}
