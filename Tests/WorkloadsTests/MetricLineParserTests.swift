import SweepCore
import Testing
@testable import Workloads

/// Every rule of a command's metric lines, both ways: what is read, what is ordinary output,
/// and what looks like a metric but is not read (counted, and shown once).
@Suite struct MetricLineParserTests {
    /// Feeds `lines` to a parser; returns what it reported ("epoch/name=value") and the parser.
    func parse(_ lines: [String], onlyMetrics: Bool = false) -> (reported: [String], parser: MetricLineParser) {
        var reported: [String] = []
        var parser = MetricLineParser { epoch, metrics in
            reported += metrics.sorted { $0.key < $1.key }.map { "\(epoch)/\($0.key)=\($0.value)" }
        }
        for line in lines { _ = parser.take(line[...], onlyMetrics: onlyMetrics) }
        parser.flush()
        return (reported, parser)
    }

    @Test(arguments: [
        ("loss: 0.5", "0/loss=0.5"), ("loss:0.5", "0/loss=0.5"), ("  acc : 0.25 ", "0/acc=0.25"),
        ("loss=0.5", "0/loss=0.5"), ("loss = 0.5", "0/loss=0.5"), ("val/acc: 1e-3", "0/val/acc=0.001"),
        ("train.loss-avg=-2", "0/train.loss-avg=-2.0"), (#"{"loss": 0.5}"#, "0/loss=0.5"),
    ])
    func readsOneMetricALine(line: String, metric: String) {
        let (reported, parser) = parse([line])
        #expect(reported == [metric])
        #expect(parser.unread.lines == 0 && parser.unread.ignoredFields == 0)
    }

    @Test func epochAndStepLinesSetTheEpochOfTheMetricsThatFollow() {
        let (reported, _) = parse(["loss: 1", "epoch: 2", "loss: 2", "step=3", "loss: 3", #"{"epoch": 4, "loss": 4}"#])
        #expect(reported == ["0/loss=1.0", "2/loss=2.0", "3/loss=3.0", "4/loss=4.0"])
    }

    @Test func aJSONLineKeepsItsNumbersAndCountsTheFieldsItIgnores() {
        let (reported, parser) = parse([#"{"epoch": 2, "loss": 0.5, "note": "hi", "tags": [1], "ok": true, "my loss": 1, "acc": 0.75}"#])
        #expect(reported == ["2/acc=0.75", "2/loss=0.5"])
        #expect(parser.unread.ignoredFields == 4 && parser.unread.lines == 0)
        #expect(parser.unread.notices(source: "stdout") == [
            "command: 4 fields of JSON metric lines on stdout ignored (only numbers are metrics); the first 3:",
            #"command:   line 1: "my loss" is a number, but not a metric name"#,
            #"command:   line 1: "note" is a string"#,
            #"command:   line 1: "ok" is a boolean"#,
        ])
    }

    @Test(arguments: [
        ("final accuracy: 0.93", "a name is one word"), ("Test Acc = 0.9", "a name is one word"),
        ("loss: nan", "not a finite number"), ("loss=inf", "not a finite number"), ("loss: -Infinity", "not a finite number"),
        ("epoch: 3/10", "an epoch or step is a whole number"), ("epoch: -1", "an epoch or step is a whole number"),
        ("step = 1.5", "an epoch or step is a whole number"), ("acc: 93%", "without %"),
        ("loss: 0.5 acc: 0.9", "one metric a line"), ("loss=0.5, acc=0.9", "one metric a line"),
        (#"{"epoch": 1, "loss": NaN}"#, "not valid JSON"), (#"{"epoch": "3", "loss": 1}"#, "an epoch or step is a whole number"),
        (#"{"loss": "0.5"}"#, "a number in quotes"), (String(repeating: "n", count: 201) + ": 1", "at most 200 bytes"), ("{'loss': 0.5, 'epoch': 0.1}", "a Python dict"),
    ])
    func countsAndExplainsALineThatLooksLikeAMetricButIsNotRead(line: String, reason: String) {
        let (reported, parser) = parse([line])
        #expect(reported.isEmpty)
        #expect(parser.unread.lines == 1)
        #expect(parser.unread.lineExamples.first?.contains(reason) == true, "\(parser.unread.lineExamples)")
    }

    @Test(arguments: [
        "device: cuda", "time: 12:30", "version: 3.11.2", "date: 2024-01-01", "Epoch 3: loss 1", "an ordinary line: not a metric",
        "loss: 0.5 (best)", "--lr=0.1", "a: b: c", "", "see https://example.com:8080/x", "x == 3", "12:30:00 starting",
        #"{"event": "start", "id": "x1"}"#, "{'lr': 0.1, 'name': 'x'}", "{'lr': 0.1, 'amp': True}", "{}", "{'a': \"b\"}", "one two three four five: 1", "Saving to /tmp/model.pt",
    ])
    func leavesOrdinaryOutputAlone(line: String) {
        let (reported, parser) = parse([line])
        #expect(reported.isEmpty)
        #expect(parser.unread.lines == 0, "\(parser.unread.lineExamples)")
    }

    @Test func aWordValueIsAnUnreadMetricOnlyOnceItsNameWasRead() {
        let (reported, parser) = parse(["acc: high", "acc: 0.9", "acc: high"])
        #expect(reported == ["0/acc=0.9"])
        #expect(parser.unread.lines == 1 && parser.unread.lineExamples == ["line 3: acc: high  <- not a number"])
    }

    @Test func inTheMetricsFileEveryLineNotReadIsCounted() {
        let (reported, parser) = parse(["hello", "", #"{"event": "start"}"#, "loss: 1"], onlyMetrics: true)
        #expect(reported == ["0/loss=1.0"])
        #expect(parser.unread.lines == 2)
        #expect(parse(["hello"]).parser.unread.lines == 0)
    }

    @Test func theNoticeSaysHowManyAndShowsTheFirstFewBoundedAndEscaped() {
        var lines = (1...1_000).map { "final accuracy: 0.\($0)" }
        lines[0] = #"{"loss": NaN, "x": ""# + "\u{1b}]0;title\u{7}" + String(repeating: "9", count: 10_000) + #""}"#
        lines[1] = #"{"loss": 1, "a\u001b[2Jb": "x"}"#
        let (_, parser) = parse(lines)
        #expect(parser.unread.lines == 999 && parser.unread.ignoredFields == 1)
        let notices = parser.unread.notices(source: "stdout")
        #expect(notices.count == 6)
        #expect(notices[0] == "command: 999 stdout lines looked like metrics but were not read; metrics are `name: value` or JSON "
            + "objects (sweep workloads command); the first 3:")
        #expect(notices[1].hasPrefix(#"command:   line 1: {"loss": NaN, "x": "?]0;title?999"#) && notices[1].contains("…  <- not valid JSON"))
        #expect(notices.allSatisfy { $0.count + "[1] ".count <= 160 }, "\(notices)")
        #expect(notices[2] == "command:   line 3: final accuracy: 0.3  <- a name is one word: letters, digits, _ . / -")
        #expect(notices[5] == #"command:   line 2: "a?[2Jb" is a string"#)
        #expect(!notices.joined().unicodeScalars.contains { $0.value < 0x20 })
    }

    @Test func theSummaryCountsOnlyWhatWasLost() {
        #expect(UnreadMetricLines.summary(["exit_status": 0], adding: [parse(["loss: 1"]).parser.unread]) == ["exit_status": 0])
        let lost = [parse(["loss: nan"]).parser.unread, parse([#"{"loss": 1, "note": "x"}"#]).parser.unread]
        #expect(UnreadMetricLines.summary(["exit_status": 0], adding: lost)
            == ["exit_status": 0, "unread_metric_lines": 1, "ignored_metric_fields": 1])
    }
}
