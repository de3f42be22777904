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

    /// File name of a table's paired differences.
    public static func differencesFileName(_ table: ReportTable) -> String {
        "table-\(table.number)-differences.csv"
    }

    /// File name of a table's heatmap.
    public static func heatmapFileName(_ table: ReportTable) -> String {
        "table-\(table.number)-heatmap.svg"
    }

    /// File name of a table's marginals figure.
    public static func marginalsFileName(_ table: ReportTable) -> String {
        "table-\(table.number)-marginals.svg"
    }

    /// File name of a table's optimisation history.
    public static func historyFileName(_ table: ReportTable) -> String {
        "table-\(table.number)-history.svg"
    }

    /// File name of a table's parallel coordinates.
    public static func parallelFileName(_ table: ReportTable) -> String {
        "table-\(table.number)-parallel.svg"
    }

    /// File name of a table's param-vs-metric scatter.
    public static func scatterFileName(_ table: ReportTable) -> String {
        "table-\(table.number)-scatter.svg"
    }

    /// The index (`index.md`): links to the report, the tidy CSV and, per table, its
    /// sections' CSVs and figures (learning curves in a list of their own, last).
    ///
    /// - Parameter formats: The formats written, so only files that exist are linked.
    public func index(formats: ReportFormats) -> String {
        var lines = ["# Sweep report index: \(ReportFormat.markdownText(input.sweep))", "", "Generated at \(ReportFormat.timestamp(input.generatedAt)).", ""]
        if formats.contains(.markdown) { lines.append("- [Report with all tables](\(Self.markdownFileName))") }
        if formats.contains(.csv) { lines.append("- [All metrics, tidy CSV](\(Self.metricsFileName))") }
        for part in parts {
            lines += ["", "## \(ReportFormat.markdownText(part.table.heading))", ""]
            if formats.contains(.csv) {
                for file in part.sections.flatMap({ $0.csvFiles() }) { lines.append("- [\(file.label)](\(file.name))") }
            }
            guard formats.contains(.svg) else { continue }
            let figures = part.figures()
            for figure in figures where figure.kind != .curves {
                lines.append("- [\(figure.kind.title): \(ReportFormat.markdownText(figure.rowLabel))](\(figure.fileName))")
            }
            let curves = figures.filter { $0.kind == .curves }
            if !curves.isEmpty {
                lines.append("- Learning curves:")
                for figure in curves {
                    lines.append("  - [\(ReportFormat.markdownText(figure.rowLabel))](\(figure.fileName))")
                }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes the report into its own folder inside `out`: `out/<sweep>/`.
    ///
    /// The sweep's name must be a plain name (letters, digits, `.`, `_`, `-`; not `.` or
    /// `..`), and `out/<sweep>` a real folder (not a symbolic link), so a report never lands
    /// outside `out`, whatever the name stored with the sweep.
    ///
    /// - Returns: The report folder and the files written.
    /// - Throws: `ReportOutputError` naming the path that cannot be used, and why.
    public func write(intoFolder out: URL, formats: ReportFormats = .all) throws(ReportOutputError) -> (folder: URL, files: [URL]) {
        let name = input.sweep
        guard Self.isPlainName(name) else {
            throw ReportOutputError(path: out.path, message: "the sweep name \"\(name)\" is not a plain name (letters, digits, '.', '_', '-'), so it cannot name a folder in it")
        }
        try Self.makeFolder(out.path)
        let folder = out.appendingPathComponent(name, isDirectory: true)
        var info = stat()
        if lstat(folder.path, &info) == 0, info.st_mode & S_IFMT == S_IFLNK {
            throw ReportOutputError(path: folder.path, message: "is a symbolic link; a report folder must be a real folder inside \(out.path)")
        }
        return (folder, try write(to: folder, formats: formats))
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
    /// - Throws: `ReportOutputError` naming the path and the reason, after removing the
    ///   staging directory.
    @discardableResult
    public func write(to directory: URL, formats: ReportFormats = .all) throws(ReportOutputError) -> [URL] {
        try Self.makeFolder(directory.path)
        let staging = directory.appendingPathComponent(".report-staging-\(UUID().uuidString)", isDirectory: true)
        guard mkdir(staging.path, 0o755) == 0 else { throw ReportOutputError.system(directory.path, "create a folder in it", code: errno) }
        defer { try? FileManager.default.removeItem(at: staging) }

        var names: [String] = []
        do {
            func stage(_ name: String, _ text: String) throws {
                // Sections name their own files (any module may add one): each must be one
                // new file in the report folder, never a path out of it or a second copy.
                guard Self.isFileName(name) else {
                    throw ReportOutputError(path: directory.path, message: "a section's file name \"\(name)\" is not one file name in the report folder (no '/', not '.' or '..', at most 255 bytes)")
                }
                guard !names.contains(name) else {
                    throw ReportOutputError(path: directory.appendingPathComponent(name).path, message: "two of the report's files have this name; each section's files need names of their own")
                }
                try ReportOutputFile.write(staging.appendingPathComponent(name).path) { try $0.write(text) }
                names.append(name)
            }
            if formats.contains(.markdown) {
                try stage(Self.markdownFileName, markdown())
            }
            if formats.contains(.csv) {
                try ReportOutputFile.write(staging.appendingPathComponent(Self.metricsFileName).path) { try writeTidyCSV(to: $0) }
                names.append(Self.metricsFileName)
                for file in parts.flatMap({ $0.sections.flatMap { $0.csvFiles() } }) {
                    try stage(file.name, file.text())
                }
            }
            if formats.contains(.svg) {
                for figure in plots() { try stage(figure.fileName, figure.svg) }
            }
            try stage(Self.indexFileName, index(formats: formats))
        } catch let error as ReportOutputError {
            throw error
        } catch {
            throw ReportOutputError(path: directory.path, message: "\(error)")
        }

        // rename(2) replaces an existing file atomically within one file system.
        var written: [URL] = []
        for name in names {
            let source = staging.appendingPathComponent(name)
            let target = directory.appendingPathComponent(name)
            guard rename(source.path, target.path) == 0 else { throw ReportOutputError.system(target.path, "replace the file", code: errno) }
            written.append(target)
        }
        return written
    }

    /// Whether `name` can be one folder's name: 1-100 letters, digits, `.`, `_`, `-`, and
    /// not `.` or `..`.
    static func isPlainName(_ name: String) -> Bool {
        (1...100).contains(name.count) && name != "." && name != ".."
            && name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "." || $0 == "_" || $0 == "-" }
    }

    /// Whether `name` is one entry of a folder: 1-255 bytes, no `/` or NUL, not `.` or `..`.
    static func isFileName(_ name: String) -> Bool {
        (1...255).contains(name.utf8.count) && name != "." && name != ".." && !name.utf8.contains { $0 == UInt8(ascii: "/") || $0 == 0 }
    }

    /// Creates the folder at `path` and its missing parents (`mkdir -p`), saying which part
    /// of the path is a file, a device or otherwise not a folder.
    static func makeFolder(_ path: String) throws(ReportOutputError) {
        var info = stat()
        if stat(path, &info) == 0 {
            let kind = info.st_mode & S_IFMT
            guard kind != S_IFDIR else { return }
            let what = kind == S_IFREG ? "a file" : kind == S_IFCHR || kind == S_IFBLK ? "a device" : kind == S_IFIFO ? "a pipe" : "a socket"
            throw ReportOutputError(path: path, message: "is \(what), not a folder; move it away or choose another --out")
        }
        let code = errno
        guard code == ENOENT || code == ENOTDIR else { throw ReportOutputError.system(path, "use the folder", code: code) }
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty, parent != path { try makeFolder(parent) }
        guard mkdir(path, 0o755) == 0 || errno == EEXIST else { throw ReportOutputError.system(path, "create the folder", code: errno) }
    }
}
