import Foundation
import SweepCore
import SweepReport
import SweepStore

/// `sweep export`: one row per job, the table people load into pandas first: its state,
/// seed, every parameter that varies as a column, each metric's final, lowest and highest
/// value, epochs, host and duration. (`metrics.csv` of a report repeats the parameters on
/// every epoch's row instead.)
public enum JobExport {
    /// Column names and rows of values (JSON null where a job has none), in job order.
    public static func table(store: StoreReader, sweep: SweepInfo) throws -> (columns: [String], rows: [[JSONValue]]) {
        let jobs = try store.jobs(of: sweep.id)
        struct Summary { var final = 0.0, last = Int.min, low = Double.infinity, high = -Double.infinity }
        var summaries: [Int64: [String: Summary]] = [:]
        try store.forEachOkMetric(of: sweep.id) { job, name, epoch, value in
            guard let value else { return }
            var summary = summaries[job]?[name] ?? Summary()
            if epoch >= summary.last { (summary.final, summary.last) = (value, epoch) }
            summary.low = min(summary.low, value)
            summary.high = max(summary.high, value)
            summaries[job, default: [:]][name] = summary
        }
        let varying = Set(jobs.flatMap { $0.config.values.keys }).subtracting(["seed"]).filter { name in
            Set(jobs.map { $0.config[name] }).count > 1
        }.sorted()
        let metrics = Set(summaries.values.flatMap(\.keys)).sorted()
        let columns = ["job", "key", "state", "seed"] + varying + ["epochs", "host", "duration_s"]
            + metrics.flatMap { ["final_\($0)", "min_\($0)", "max_\($0)"] } + ["error"]
        let rows = jobs.map { job -> [JSONValue] in
            let own = summaries[job.id] ?? [:]
            let epochs = own.values.map(\.last).max()
            let duration = job.startedAt.flatMap { start in job.finishedAt.map { $0.timeIntervalSince(start) } }
            var row: [JSONValue] = [.int(Int(job.id)), .string(job.key), .string(job.state.rawValue), job.config["seed"] ?? .null]
            row += varying.map { job.config[$0] ?? .null }
            row += [epochs.map { .int($0) } ?? .null, job.host.map(JSONValue.string) ?? .null, duration.map(JSONValue.double) ?? .null]
            for metric in metrics {
                row += own[metric].map { [.double($0.final), .double($0.low), .double($0.high)] } ?? [.null, .null, .null]
            }
            return row + [job.error.map(JSONValue.string) ?? .null]
        }
        return (columns, rows)
    }

    /// CSV as the report's CSVs are written (`CSVText`): a header and one record a job;
    /// numbers as JSON writes them, null empty.
    public static func csv(_ table: (columns: [String], rows: [[JSONValue]])) -> String {
        func cell(_ value: JSONValue) -> String {
            switch value {
            case .null: ""
            case .string(let text): text
            default: value.canonicalText
            }
        }
        return CSVText.record(table.columns) + table.rows.map { CSVText.record($0.map(cell)) }.joined()
    }

    /// JSON lines: one object a job, keys as the CSV's columns.
    public static func jsonLines(_ table: (columns: [String], rows: [[JSONValue]])) -> String {
        table.rows.map { row in JSONValue.object(Dictionary(uniqueKeysWithValues: zip(table.columns, row))).canonicalText + "\n" }.joined()
    }
}
