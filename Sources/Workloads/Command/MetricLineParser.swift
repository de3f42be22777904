import SweepCore

/// Turns a program's output lines into metrics, Guild AI style: `name: number` (or
/// `name=number`) records a metric, `epoch: N` (or `step: N`) starts the epoch the
/// following metrics belong to, and a line that is a JSON object records its numbers at
/// once (its `epoch` or `step` naming their epoch; its other fields are ignored, and
/// counted). Other lines are ordinary output; those among them that look like metrics
/// (`final accuracy: 0.93`, `loss: nan`) are counted in `unread`, so the attempt says so.
///
/// Metrics of the current epoch are held until the epoch changes, a name repeats or
/// `flush()` is called, then reported as one row each. Bounded: at most `maxNames`
/// names per epoch.
struct MetricLineParser {
    /// Where complete epochs go.
    let report: (_ epoch: Int, _ metrics: [String: Double]) -> Void
    private(set) var epoch = 0
    /// What looked like metrics and was not read, for the attempt's notice.
    private(set) var unread = UnreadMetricLines()
    private var lineNumber = 0
    /// The names recorded so far (at most `maxNames`): `acc: high` after `acc: 0.9` is a lost metric.
    private var knownNames: Set<String> = []
    private var pending: [String: Double] = [:]
    /// Names dropped because an epoch had `maxNames` already.
    private(set) var dropped = 0
    /// Called with the epoch when the first name is dropped (once: the job's log says so).
    private let dropping: ((_ epoch: Int) -> Void)?

    static let maxNames = 1_000
    /// The longest name taken (a longer "name: 1" is ordinary output).
    static let maxNameBytes = 200

    init(report: @escaping (_ epoch: Int, _ metrics: [String: Double]) -> Void,
         dropping: ((_ epoch: Int) -> Void)? = nil) {
        self.report = report
        self.dropping = dropping
    }

    /// Reads one line; returns whether it held metrics (false: ordinary output). A line not
    /// read that looks like metrics is counted in `unread`; with `onlyMetrics` (a file
    /// meant for nothing else) every non-blank line not read is.
    mutating func take(_ line: Substring, onlyMetrics: Bool = false) -> Bool {
        lineNumber += 1
        let text = line.trimmingWhitespace
        switch read(text) {
        case .metrics:
            return true
        case .ordinary:
            if onlyMetrics, !text.isEmpty { unread.unread(line: lineNumber, text, because: "not a metrics line") }
            return false
        case .unread(let reason):
            unread.unread(line: lineNumber, text, because: reason)
            return false
        }
    }

    private enum Reading { case metrics, ordinary, unread(String) }

    private mutating func read(_ text: Substring) -> Reading {
        if text.first == "{", text.last == "}" { return readObject(text) }
        guard let separator = text.firstIndex(where: { $0 == ":" || $0 == "=" }) else { return .ordinary }
        let name = text[..<separator].trimmingWhitespace
        let valueText = text[text.index(after: separator)...].trimmingWhitespace
        guard Self.isName(name), let value = Double(valueText), value.isFinite else {
            return Self.unreadReason(name: name, value: valueText, known: knownNames).map { .unread($0) } ?? .ordinary
        }
        if name == "epoch" || name == "step" {
            guard let n = Int(exactly: value), n >= 0 else { return .unread(Self.badEpoch) }
            startEpoch(n)
        } else {
            record(String(name), value)
            remember(String(name))
        }
        return .metrics
    }

    /// Counts a line too long to be read (`start` is its beginning, for the notice).
    mutating func skipLongLine(_ start: Substring, limit: Int) {
        lineNumber += 1
        unread.unread(line: lineNumber, start, because: "longer than \(limit >> 10) KiB")
    }

    /// Reports what the current epoch holds.
    mutating func flush() {
        guard !pending.isEmpty else { return }
        report(epoch, pending)
        pending.removeAll(keepingCapacity: true)
    }

    /// A JSON object: its numbers are metrics, its other fields ignored (and counted). One
    /// with no number at all is ordinary output (a log event), unless a number was quoted.
    private mutating func readObject(_ text: Substring) -> Reading {
        guard let object = try? JSONParser.parse(String(text)).objectValue else {
            // `{"loss": NaN}` (Python's json.dumps of a NaN) or a cut line: meant as JSON, and not.
            if text.hasPrefix("{\"") { return .unread("not valid JSON (NaN and Infinity are not JSON numbers)") }
            return Self.isPythonDictOfNumbers(text) ? .unread("a Python dict, not JSON: print json.dumps(d)") : .ordinary
        }
        var values: [(String, Double)] = []
        var ignored: [(String, JSONValue)] = []
        var newEpoch: Int?
        for (name, value) in object.sorted(by: { $0.key < $1.key }) {
            if name == "epoch" || name == "step" {
                // Metrics in the wrong epoch would be worse than none.
                guard let number = value.doubleValue, let n = Int(exactly: number), n >= 0 else { return .unread(Self.badEpoch) }
                newEpoch = n
            } else if let number = value.doubleValue, number.isFinite, Self.isName(Substring(name)) {
                values.append((name, number))
            } else {
                ignored.append((name, value))
            }
        }
        guard newEpoch != nil || !values.isEmpty else {
            let quoted = object.values.contains { $0.stringValue.flatMap { Double(Substring($0).trimmingWhitespace) }?.isFinite == true }
            return quoted ? .unread("a number in quotes is a string") : .ordinary
        }
        for (name, value) in ignored { unread.ignored(field: name, value: value, line: lineNumber) }
        if let newEpoch { startEpoch(newEpoch) }
        for (name, number) in values {
            record(name, number)
            remember(name)
        }
        return .metrics
    }

    private mutating func remember(_ name: String) {
        if knownNames.count < Self.maxNames { knownNames.insert(name) }
    }

    private mutating func startEpoch(_ n: Int) {
        if n != epoch { flush() }
        epoch = n
    }

    private mutating func record(_ name: String, _ value: Double) {
        // A name seen again in the same epoch: report what came before, then start over.
        if pending[name] != nil { flush() }
        guard pending.count < Self.maxNames else {
            if dropped == 0 { dropping?(epoch) }
            dropped += 1
            return
        }
        pending[name] = value
    }

    /// The job's log line saying, once per source, that an epoch had more names than kept.
    static func droppedNames(epoch: Int, from source: String) -> String {
        "command: epoch \(epoch) had more than \(maxNames) metric names on \(source): the names past \(maxNames) are dropped in every epoch"
    }

    /// `loss`, `val/acc`, `train.loss-avg`: a letter or _ first, then letters, digits, _ . / -.
    static func isName(_ name: Substring) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || first.properties.isAlphabetic,
              name.utf8.count <= maxNameBytes else { return false }
        return name.unicodeScalars.allSatisfy {
            $0 == "_" || $0 == "." || $0 == "/" || $0 == "-" || $0.properties.isAlphabetic || ("0"..."9").contains($0)
        }
    }
}

extension Substring {
    /// Without leading and trailing blanks (spaces, tabs, a carriage return).
    var trimmingWhitespace: Substring {
        var s = self
        while let c = s.first, c == " " || c == "\t" || c == "\r" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" || c == "\r" { s.removeLast() }
        return s
    }
}
