import SweepCore
import Testing

@Suite struct JSONParserTests {
    @Test func keepsIntegersApartFromReals() throws {
        let value = try JSONParser.parse(#"{"a": 1, "b": 1.0, "c": -2e3, "d": [true, null, "x\n\u00e9\ud83d\ude00"]}"#)
        #expect(value["a"] == .int(1))
        #expect(value["b"] == .double(1.0))
        #expect(value["c"] == .double(-2000))
        #expect(value["d"] == .array([.bool(true), .null, .string("x\né😀")]))
    }

    @Test func canonicalTextSortsKeysAndRoundTrips() throws {
        let value: JSONValue = ["z": 1, "a": ["y": 2.5, "b": "q\"uote"], "m": [1, 2.0, nil]]
        #expect(value.canonicalText == #"{"a":{"b":"q\"uote","y":2.5},"m":[1,2.0,null],"z":1}"#)
        #expect(try JSONParser.parse(value.canonicalText) == value)
    }

    @Test(arguments: ["", "{", "[1,]", "{\"a\" 1}", "01x", "\"abc", "{\"a\":1,\"a\":2}", "1e999", "tru"])
    func rejectsMalformedText(_ text: String) {
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(text) }
    }

    @Test func recordsLocationsByPath() throws {
        let (_, locations) = try JSONParser.parseWithLocations("{\n  \"grid\": {\"kan.width\": [8,\n 16]}}")
        #expect(locations["grid"] == SourceLocation(line: 2, column: 11))
        #expect(locations["grid.kan.width[1]"] == SourceLocation(line: 3, column: 2))
    }
}
