import SweepCore

/// Turns a program's output lines into metrics, Guild AI style: `name: number` records a
/// metric, `epoch: N` (or `step: N`) starts the epoch the following metrics belong to, and
/// a line that is a JSON object of numbers records them all at once (its `epoch` or `step`
/// naming their epoch). Other lines are ordinary output.
///
/// Metrics of the current epoch are held until the epoch changes, a name repeats or
/// `flush()` is called, then reported as one row each. Bounded: at most `maxNames`
/// names per epoch.
struct MetricLineParser {
    /// Where complete epochs go.
    let report: (_ epoch: Int, _ metrics: [String: Double]) -> Void
    private(set) var epoch = 0
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

    /// Reads one line; returns whether it held metrics (false: ordinary output).
    mutating func take(_ line: Substring) -> Bool {
        let text = line.trimmingWhitespace
        if text.first == "{", text.last == "}" { return takeObject(text) }
        guard let colon = text.firstIndex(of: ":") else { return false }
        let name = text[..<colon].trimmingWhitespace
        guard Self.isName(name), let value = Double(text[text.index(after: colon)...].trimmingWhitespace), value.isFinite else {
            return false
        }
        if name == "epoch" || name == "step" {
            guard let n = Int(exactly: value), n >= 0 else { return false }
            startEpoch(n)
        } else {
            record(String(name), value)
        }
        return true
    }

    /// Reports what the current epoch holds.
    mutating func flush() {
        guard !pending.isEmpty else { return }
        report(epoch, pending)
        pending.removeAll(keepingCapacity: true)
    }

    private mutating func takeObject(_ text: Substring) -> Bool {
        guard let object = try? JSONParser.parse(String(text)).objectValue, !object.isEmpty else { return false }
        var values: [(String, Double)] = []
        var newEpoch: Int?
        for (name, value) in object {
            guard let number = value.doubleValue, number.isFinite, Self.isName(Substring(name)) else { return false }
            if name == "epoch" || name == "step" {
                guard let n = Int(exactly: number), n >= 0 else { return false }
                newEpoch = n
            } else {
                values.append((name, number))
            }
        }
        if let newEpoch { startEpoch(newEpoch) }
        for (name, number) in values.sorted(by: { $0.0 < $1.0 }) { record(name, number) }
        return true
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
