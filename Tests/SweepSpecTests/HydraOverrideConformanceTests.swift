import Testing

@testable import SweepSpec

/// The override parser agrees with Hydra 1.3 on Hydra's own test cases
/// (`HydraConformanceCases`), and refuses what sweep cannot mean, by name.
@Suite struct HydraOverrideConformanceTests {
    @Test(arguments: HydraConformanceCases.accepted)
    func parsesAsHydraDoes(_ text: String, _ expected: HydraOverride) throws {
        #expect(try HydraOverrideParser.parse(text) == expected, "\(text)")
    }

    @Test(arguments: HydraConformanceCases.rejected)
    func rejectsWhatHydraRejects(_ text: String, _ hydrasReason: String) {
        #expect(throws: HydraOverrideError.self, "\(text): Hydra says \(hydrasReason)") { try HydraOverrideParser.parse(text) }
    }

    @Test("what sweep leaves out is refused by name, at its position", arguments: [
        ("db/driver=mysql", 3, "config groups"),
        ("x@pkg=1", 2, "config groups"),
        ("x=${y}", 3, "interpolations"),
        ("x=shuffle(1,2)", 3, "shuffle() only reorders"),
        ("x=glob(*)", 3, "glob() selects"),
        ("a..b=1", 3, "empty part in the key"),
        ("x =1", 2, "a blank in the key"),
        ("x=1,", 5, "expected a value, found the end"),
        ("x=99999999999999999999", 3, "out of range"),
        ("x=sort(range(0, 1e308, 1e-300), reverse=true)", 3, "more than 10000 values"),
        ("x=sort(range(-9223372036854775808, -9223372036854775806), reverse=true)", 3, "would leave the integers"),
        ("x=[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]", 35, "nested more than 32"),
    ])
    func refusals(_ text: String, _ column: Int, _ message: String) {
        let error = #expect(throws: HydraOverrideError.self) { try HydraOverrideParser.parse(text) }
        #expect(error?.column == column, "\(String(describing: error))")
        #expect(error?.message.contains(message) == true, "\(String(describing: error))")
    }
}
