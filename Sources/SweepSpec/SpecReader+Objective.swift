import SweepCore

extension SpecReader {
    /// Reads `"objective": {"metric": "test_acc", "mode": "max", "at": "last"}` (`at` is
    /// `last`, `best` or `window` with `"window": N`).
    mutating func readObjective(_ value: JSONValue?) -> Objective? {
        guard let value else { return nil }
        let example = #"{"metric": "test_acc", "mode": "max"}"#
        guard case .object(let members) = value else {
            report("objective", "expected an object like \(example)")
            return nil
        }
        for key in members.keys.sorted() where !["metric", "mode", "at", "window"].contains(key) {
            report("objective.\(key)", "unknown key" + DidYouMean.suggestion(for: key, among: ["metric", "mode", "at", "window"]))
        }
        guard let metric = members["metric"]?.stringValue, !metric.isEmpty, metric.utf8.count <= 256 else {
            report("objective.metric", "expected the name of a metric the jobs report, like \(example)")
            return nil
        }
        guard let modeText = members["mode"]?.stringValue, let mode = Objective.Mode(rawValue: modeText) else {
            report("objective.mode", "expected \"max\" or \"min\"")
            return nil
        }
        var at = Objective.At.last
        switch members["at"]?.stringValue ?? "last" {
        case "last": at = .last
        case "best": at = .best
        case "window":
            guard let n = members["window"]?.intValue, (1...100_000).contains(n) else {
                report("objective.window", "\"at\": \"window\" needs \"window\": the number of last epochs to average (1...100000)")
                return nil
            }
            at = .window(n)
        default:
            report("objective.at", "expected \"last\", \"best\" or \"window\"")
            return nil
        }
        if members["window"] != nil, case .window = at {} else if members["window"] != nil {
            report("objective.window", "\"window\" goes with \"at\": \"window\"")
        }
        return Objective(metric: metric, mode: mode, at: at)
    }

    /// Reads `"stop": {"rule": "asha", "grace": 5, "reduction": 3}`; a stop rule needs an
    /// objective to decide by.
    mutating func readStop(_ value: JSONValue?, objective: Objective?) -> StopSettings? {
        guard let value else { return nil }
        let rules = StopSettings.Rule.allCases.map(\.rawValue)
        guard case .object(let members) = value else {
            report("stop", #"expected an object like {"rule": "asha", "grace": 5, "reduction": 3}"#)
            return nil
        }
        let keys = ["rule", "grace", "reduction", "min_jobs", "brackets", "pause"]
        for key in members.keys.sorted() where !keys.contains(key) {
            report("stop.\(key)", "unknown key" + DidYouMean.suggestion(for: key, among: keys))
        }
        guard let ruleText = members["rule"]?.stringValue, let rule = StopSettings.Rule(rawValue: ruleText) else {
            report("stop.rule", "expected one of " + rules.map { "\"\($0)\"" }.joined(separator: ", "))
            return nil
        }
        func integer(_ key: String, _ range: ClosedRange<Int>, _ fallback: Int) -> Int? {
            guard let raw = members[key] else { return fallback }
            guard let n = raw.intValue, range.contains(n) else {
                report("stop.\(key)", "expected an integer in \(range.lowerBound)...\(range.upperBound), got \(raw.canonicalText)")
                return nil
            }
            return n
        }
        let grace = integer("grace", 1...100_000, 1)
        let reduction = integer("reduction", 2...100, 3)
        let minJobs = integer("min_jobs", 1...100_000, 3)
        let brackets = integer("brackets", 1...10, 3)
        if rule != .median, members["min_jobs"] != nil { report("stop.min_jobs", "belongs to the median rule") }
        if rule == .median, members["reduction"] != nil { report("stop.reduction", "belongs to asha and hyperband") }
        if rule != .hyperband, members["brackets"] != nil { report("stop.brackets", "belongs to hyperband") }
        var pause = false
        switch members["pause"] {
        case nil: break
        case .bool(let value)?:
            if rule == .median { report("stop.pause", "belongs to asha and hyperband") }
            pause = value
        case let other?: report("stop.pause", "expected true or false, got \(other.canonicalText)")
        }
        guard objective != nil else {
            report("stop", #"a stop rule decides by the sweep's objective: add "objective": {"metric": ..., "mode": "max" or "min"}"#)
            return nil
        }
        guard let grace, let reduction, let minJobs, let brackets else { return nil }
        return StopSettings(rule: rule, grace: grace, reduction: reduction, minJobs: minJobs, brackets: brackets, pause: pause)
    }
}
