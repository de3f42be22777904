import Foundation

extension Report {
    /// Name of the Markdown report file.
    public static let markdownFileName = "report.md"
    /// Name of the tidy metrics file.
    public static let metricsFileName = "metrics.csv"
    /// Name of the index file linking everything else.
    public static let indexFileName = "index.md"

    /// File name of a table's CSV.
    public static func tableFileName(_ table: ReportTable) -> String {
        "table-\(table.number).csv"
    }

    /// The index (`index.md`): links to the report, the CSVs and each table's plots.
    ///
    /// - Parameters:
    ///   - formats: The formats written, so only files that exist are linked.
    ///   - plots: The plots written (from `plots()`), when `formats` includes SVG.
    public func index(formats: ReportFormats, plots: [ReportPlot]) -> String {
        var lines = ["# Sweep report index: \(input.sweep)", "", "Generated at \(ReportFormat.timestamp(input.generatedAt)).", ""]
        if formats.contains(.markdown) { lines.append("- [Report with all tables](\(Self.markdownFileName))") }
        if formats.contains(.csv) { lines.append("- [All metrics, tidy CSV](\(Self.metricsFileName))") }
        for table in tables {
            lines += ["", "## \(table.heading)", ""]
            if formats.contains(.csv) { lines.append("- [Table CSV](\(Self.tableFileName(table)))") }
            let tablePlots = plots.filter { $0.tableNumber == table.number }
            if formats.contains(.svg), !tablePlots.isEmpty {
                lines.append("- Learning curves:")
                for plot in tablePlots {
                    lines.append("  - [\(ReportFormat.markdownCell(plot.rowLabel))](\(plot.fileName))")
                }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes the report files into `directory` (created if needed) and returns their URLs.
    ///
    /// Every file is first written into a hidden staging directory inside `directory`, then
    /// renamed into place, so a failure while rendering or writing leaves no partial file:
    /// either the previous report's files stay untouched or each is replaced whole.
    /// Files of an earlier report that this one does not produce are left as they are.
    ///
    /// - Parameters:
    ///   - directory: The output directory, e.g. `Reports/<sweep>`.
    ///   - formats: Which files to write; `index.md` is always written.
    /// - Throws: The underlying file-system error, after removing the staging directory.
    @discardableResult
    public func write(to directory: URL, formats: ReportFormats = .all) throws -> [URL] {
        let fileManager = FileManager.default
        try fileManager.createDirectory(at: directory, withIntermediateDirectories: true)
        let staging = directory.appendingPathComponent(".report-staging-\(UUID().uuidString)", isDirectory: true)
        try fileManager.createDirectory(at: staging, withIntermediateDirectories: false)
        defer { try? fileManager.removeItem(at: staging) }

        var names: [String] = []
        func stage(_ name: String, _ text: String) throws {
            try Data(text.utf8).write(to: staging.appendingPathComponent(name))
            names.append(name)
        }
        if formats.contains(.markdown) {
            try stage(Self.markdownFileName, markdown())
        }
        if formats.contains(.csv) {
            let url = staging.appendingPathComponent(Self.metricsFileName)
            guard fileManager.createFile(atPath: url.path, contents: nil) else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
            }
            let handle = try FileHandle(forWritingTo: url)
            do {
                try writeTidyCSV(to: handle)
                try handle.close()
            } catch {
                try? handle.close()
                throw error
            }
            names.append(Self.metricsFileName)
            for table in tables {
                try stage(Self.tableFileName(table), tableCSV(table))
            }
        }
        let plots = formats.contains(.svg) ? plots() : []
        for plot in plots {
            try stage(plot.fileName, plot.svg)
        }
        try stage(Self.indexFileName, index(formats: formats, plots: plots))

        // rename(2) replaces an existing file atomically within one file system.
        var written: [URL] = []
        for name in names {
            let source = staging.appendingPathComponent(name)
            let target = directory.appendingPathComponent(name)
            guard rename(source.path, target.path) == 0 else {
                let code = errno
                throw CocoaError(.fileWriteUnknown, userInfo: [
                    NSFilePathErrorKey: target.path,
                    NSUnderlyingErrorKey: NSError(domain: NSPOSIXErrorDomain, code: Int(code)),
                ])
            }
            written.append(target)
        }
        return written
    }
}
