import SweepReport
import Testing

@Suite("CSV fields")
struct CSVTextTests {
    @Test("fields a spreadsheet would evaluate get a leading quote; numbers stay numbers")
    func formulasNeutralised() {
        #expect(CSVText.record(["=HYPERLINK(\"http://x\")", "@SUM(A1)", "+cmd", "-2+3", "\tx"])
            == "\"'=HYPERLINK(\"\"http://x\"\")\",'@SUM(A1),'+cmd,'-2+3,'\tx\n")
        #expect(CSVText.record(["-0.5", "+3", "-1e-5", "-inf", "relu", ""]) == "-0.5,+3,-1e-5,-inf,relu,\n")
    }

    @Test("commas, quotes and line breaks are quoted as RFC 4180 says")
    func quoting() {
        #expect(CSVText.record(["a,b", "say \"hi\"", "two\nlines"]) == "\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\"\n")
    }
}
