import Foundation
import SweepReport
import Testing

@Suite("Table specs from JSON and flags")
struct TableSpecParsingTests {
    private func json(_ text: String) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(text.utf8))
    }

    @Test("the paper's Table I section parses with the section window as default")
    func tableOne() throws {
        let section = try json("""
            {"window": 10, "tables": [
              {"title": "Table I", "rows": ["distribution"], "columns": ["dataset"],
               "metrics": ["train_acc", "test_acc"], "filter": {"model": "mlp", "kan.width": [8, 16, null]}},
              {"rows": ["model"], "window": 5, "decimals": 3}
            ]}
            """)
        let tables = try TableSpec.parseReportSection(section)
        #expect(tables == [
            TableSpec(title: "Table I", rows: ["distribution"], columns: ["dataset"], metrics: ["train_acc", "test_acc"], window: 10,
                      filter: ["model": [.string("mlp")], "kan.width": [.int(8), .int(16), nil]]),
            TableSpec(rows: ["model"], window: 5, decimals: 3),
        ])
    }

    @Test("bad fields are reported with their JSON path", arguments: [
        (#"{"tables": [{"rows": ["a"]}, {"window": 10.5}]}"#, "report.tables[1].window: expected a positive integer, found 10.5"),
        (#"{"tables": [{"window": 0}]}"#, "report.tables[0].window: expected a positive integer, found 0"),
        (#"{"tables": [{"window": true}]}"#, "report.tables[0].window: expected a positive integer, found true"),
        (#"{"tables": [{"window": "10"}]}"#, #"report.tables[0].window: expected a positive integer, found "10""#),
        (#"{"window": -1}"#, "report.window: expected a positive integer, found -1"),
        (#"{"tables": [{"colums": ["a"]}]}"#, "report.tables[0].colums: unknown field; expected one of title, rows, columns, metrics, window, filter, decimals"),
        (#"{"tables": [{"rows": "distribution"}]}"#, #"report.tables[0].rows: expected an array of names, found "distribution""#),
        (#"{"tables": [{"metrics": ["a", 3]}]}"#, "report.tables[0].metrics[1]: expected a non-empty string, found 3"),
        (#"{"tables": [{"rows": ["a", "a"]}]}"#, #"report.tables[0].rows[1]: "a" is listed twice"#),
        (#"{"tables": [{"rows": ["a"], "columns": ["a"]}]}"#, #"report.tables[0].columns: "a" is already a row param; a param can be a row or a column, not both"#),
        (#"{"tables": [{"filter": {"model": [{"x": 1}]}}]}"#, "report.tables[0].filter.model[0]: expected a string, number, boolean or null, found an object"),
        (#"{"tables": [{"decimals": 20}]}"#, "report.tables[0].decimals: expected an integer from 0 to 12, found 20"),
        (#"{"tables": {"rows": []}}"#, "report.tables: expected an array of tables, found an object"),
        (#"[1]"#, "report: expected an object with \"tables\", found an array"),
    ])
    func errors(text: String, message: String) throws {
        let section = try json(text)
        do {
            _ = try TableSpec.parseReportSection(section)
            Issue.record("expected an error for \(text)")
        } catch let error as ReportSpecError {
            #expect(error.description == message)
        }
    }

    @Test("flags build the same table as the spec section")
    func flags() throws {
        let table = try TableSpec(rows: "distribution", columns: "dataset", metrics: "train_acc, test_acc", window: "10",
                                  filters: ["model=mlp", "kan.width=8,16,-", "feature_selection=true", "lr=1e-3"])
        #expect(table == TableSpec(rows: ["distribution"], columns: ["dataset"], metrics: ["train_acc", "test_acc"], window: 10, filter: [
            "model": [.string("mlp")], "kan.width": [.int(8), .int(16), nil], "feature_selection": [.bool(true)], "lr": [.double(0.001)],
        ]))
    }

    @Test("bad flags are reported naming the flag", arguments: [
        (nil, nil, "ten", [String](), #"--window: expected a positive integer, found "ten""#),
        (nil, nil, "0", [], #"--window: expected a positive integer, found "0""#),
        ("model", "model", nil, [], #"--columns: "model" is already in --rows; a param can be a row or a column, not both"#),
        (nil, nil, nil, ["model"], #"--where: expected key=value[,value...], found "model""#),
        (nil, nil, nil, ["model="], #"--where: no values given for "model" in "model=""#),
    ])
    func badFlags(rows: String?, columns: String?, window: String?, filters: [String], message: String) {
        do {
            _ = try TableSpec(rows: rows, columns: columns, metrics: nil, window: window, filters: filters)
            Issue.record("expected an error")
        } catch {
            #expect("\(error)" == message)
        }
    }
}
