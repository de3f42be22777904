import Foundation
import SweepCore
import SweepReport
import SweepSpec
import Testing

/// A workload for specs in these tests: two params, never run.
enum TableTestWorkload: Workload {
    static let name = "table-test"
    static let version = 1
    static let summary = "Parameters for report-section tests."
    static let parameters: [ParamSpec] = [
        .real("value", 1.0, in: -10...10, "A real."),
        .choice("model", "kan", ["kan", "mlp"], "A choice."),
        .int("kan.width", 8, in: 1...64, "A dotted int."),
    ]

    static func run(_ config: JobConfig, context: any JobContext) throws -> JSONValue {
        throw JobFailure("not run in tests")
    }
}

@Suite("Table specs from the spec's report section and from flags")
struct TableSpecParsingTests {
    private func document(_ section: String) throws(SpecError) -> SpecDocument {
        try SpecDocument(file: "s.json", text: #"{"report": "# + section + "}")
    }

    @Test("the paper's Table I section parses with the section window as default")
    func tableOne() throws {
        let tables = try SpecDocument.reportSection(of: document("""
            {"window": 10, "tables": [
              {"title": "Table I", "rows": ["distribution"], "columns": ["dataset"],
               "metrics": ["train_acc", "test_acc"], "filter": {"model": "mlp", "kan.width": [8, 16, null], "// why": "a comment"}},
              {"rows": ["model"], "window": 5, "decimals": 3}
            ]}
            """))
        #expect(tables == [
            TableSpec(title: "Table I", rows: ["distribution"], columns: ["dataset"], metrics: ["train_acc", "test_acc"], window: 10,
                      filter: ["model": [.string("mlp")], "kan.width": [.int(8), .int(16), .null]]),
            TableSpec(rows: ["model"], window: 5, decimals: 3),
        ])
    }

    @Test("bad fields are reported with their JSON path", arguments: [
        (#"{"tables": [{"rows": ["a"]}, {"window": 10.5}]}"#, "report.tables[1].window: expected a positive integer (at most 1000000), got 10.5"),
        (#"{"tables": [{"window": 0}]}"#, "report.tables[0].window: expected a positive integer (at most 1000000), got 0"),
        (#"{"tables": [{"window": true}]}"#, "report.tables[0].window: expected a positive integer (at most 1000000), got true"),
        (#"{"tables": [{"window": "10"}]}"#, #"report.tables[0].window: expected a positive integer (at most 1000000), got "10""#),
        (#"{"window": -1}"#, "report.window: expected a positive integer (at most 1000000), got -1"),
        (#"{"tables": [{"colums": ["a"]}]}"#,
         #"report.tables[0].colums: unknown field; expected one of title, rows, columns, metrics, window, filter, decimals, top, direction, heatmap, differences; did you mean "columns"?"#),
        (#"{"tables": [{"top": 0}]}"#, "report.tables[0].top: expected an integer from 1 to 1000, got 0"),
        (#"{"tables": [{"top": 2.5}]}"#, "report.tables[0].top: expected an integer from 1 to 1000, got 2.5"),
        (#"{"tables": [{"direction": "max"}]}"#, #"report.tables[0].direction: expected "maximize" or "minimize", got "max""#),
        (#"{"tables": [{"rows": "distribution"}]}"#, #"report.tables[0].rows: expected a list of at most 64 names, got "distribution""#),
        (#"{"tables": [{"metrics": ["a", 3]}]}"#, "report.tables[0].metrics[1]: expected a non-empty string, got 3"),
        (#"{"tables": [{"rows": ["a", "a"]}]}"#, #"report.tables[0].rows[1]: "a" is listed twice"#),
        (#"{"tables": [{"rows": ["a"], "columns": ["a"]}]}"#, #"report.tables[0].columns: "a" is already a row param; a param can be a row or a column, not both"#),
        (#"{"tables": [{"filter": {"model": [{"x": 1}]}}]}"#, "report.tables[0].filter.model[0]: expected a string, number, boolean or null, got an object"),
        (#"{"tables": [{"decimals": 20}]}"#, "report.tables[0].decimals: expected an integer from 0 to 12, got 20"),
        (#"{"tables": {"rows": []}}"#, "report.tables: expected a list of tables, got an object"),
        (#"[1]"#, #"report: expected an object with "tables", like {"tables": [{"rows": [...]}]}, got a list"#),
        (#"5"#, #"report: expected an object with "tables", like {"tables": [{"rows": [...]}]}, got 5"#),
    ])
    func errors(text: String, message: String) throws {
        do {
            _ = try SpecDocument.reportSection(of: document(text))
            Issue.record("expected an error for \(text)")
        } catch {
            #expect(error.diagnostics.map { "\($0.path): \($0.message)" } == [message])
        }
    }

    @Test("every problem of a section is reported in one pass, at its line and column")
    func positions() throws {
        let text = """
            {"report": {"tables": [
               {"rows": ["value"], "window": 0},
               {"title": 7}
             ]}}
            """
        do {
            _ = try SpecDocument.reportSection(of: SpecDocument(file: "Sweeps/x.json", text: text))
            Issue.record("expected an error")
        } catch {
            #expect(error.description == """
                2 problems in the spec:
                Sweeps/x.json:2:34: report.tables[0].window: expected a positive integer (at most 1000000), got 0
                Sweeps/x.json:3:14: report.tables[1].title: expected a string of at most 200 characters, got 7
                """)
        }
    }

    @Test("a spec's report section is checked against the workload's parameters at validation")
    func checkedWithTheSpec() throws {
        let text = """
            {"workload": "table-test", "grid": {"value": [1, 2]},
             "report": {"tables": [{"rows": ["valeu"], "columns": ["seed"], "filter": {"modle": "kan", "model": "cnn", "value": 1}}]}}
            """
        do {
            _ = try SweepSpec(document: SpecDocument(file: "t.json", text: text), workloads: [TableTestWorkload.self])
            Issue.record("expected an error")
        } catch {
            #expect(error.diagnostics.map(\.description) == [
                #"t.json:2:34: report.tables[0].rows[0]: unknown parameter "valeu"; did you mean "value"?"#,
                #"t.json:2:101: report.tables[0].filter.model: expected one of "kan", "mlp", got "cnn""#,
                #"t.json:2:85: report.tables[0].filter.modle: unknown parameter "modle"; did you mean "model"?"#,
            ])
        }
        // Valid: filter values are coerced like the param's own values, so 1 is the real 1.0.
        let valid = text.replacingOccurrences(of: #""valeu""#, with: #""value""#)
            .replacingOccurrences(of: #""modle": "kan", "model": "cnn", "#, with: "")
        let spec = try SweepSpec(document: SpecDocument(file: "t.json", text: valid), workloads: [TableTestWorkload.self])
        #expect(spec.report == [TableSpec(rows: ["value"], columns: ["seed"], filter: ["value": [.double(1)]])])
        #expect(spec.report[0].filter["value"] != [.int(1)])
    }

    @Test("a report section that is not an object fails validation of the spec")
    func reportFiveFails() throws {
        let text = #"{"workload": "table-test", "report": 5}"#
        #expect(throws: SpecError.self) {
            try SweepSpec(document: SpecDocument(file: "t.json", text: text), workloads: [TableTestWorkload.self])
        }
    }

    @Test("flags build the same table as the spec section")
    func flags() throws {
        let table = try TableSpec(rows: "distribution", columns: "dataset", metrics: "train_acc, test_acc", window: 10,
                                  filters: ["model=mlp", "kan.width=8,16,-", "feature_selection=true", "lr=1e-3"])
        #expect(table == TableSpec(rows: ["distribution"], columns: ["dataset"], metrics: ["train_acc", "test_acc"], window: 10, filter: [
            "model": [.string("mlp")], "kan.width": [.int(8), .int(16), .null], "feature_selection": [.bool(true)], "lr": [.double(0.001)],
        ]))
    }

    @Test("bad flags are reported naming the flag", arguments: [
        (nil, nil, 0, [String](), "--window: expected a positive number of epochs, got 0"),
        (nil, nil, -3, [], "--window: expected a positive number of epochs, got -3"),
        ("model", "model", nil, [], #"--columns: "model" is already in --rows; a param can be a row or a column, not both"#),
        (nil, nil, nil, ["model"], #"--where: expected key=value[,value...], found "model""#),
        (nil, nil, nil, ["model="], #"--where: no values given for "model" in "model=""#),
    ])
    func badFlags(rows: String?, columns: String?, window: Int?, filters: [String], message: String) {
        do {
            _ = try TableSpec(rows: rows, columns: columns, metrics: nil, window: window, filters: filters)
            Issue.record("expected an error")
        } catch {
            #expect("\(error)" == message)
        }
    }
}
