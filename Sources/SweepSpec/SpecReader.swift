import SweepCore

/// Reads a `SpecDocument` into a `SweepSpec`, collecting all diagnostics in one pass.
struct SpecReader {
    let document: SpecDocument
    let workloads: [any Workload.Type]
    private var diagnostics: [SpecDiagnostic] = []
    /// Problems past `SpecError.maxDiagnostics`, counted but not described.
    private var unreported = 0
    private(set) var schema: [String: ParamSpec] = [:]
    /// The workload takes parameters of any name besides its schema's.
    private(set) var isOpen = false

    init(document: SpecDocument, workloads: [any Workload.Type]) {
        self.document = document
        self.workloads = workloads
    }

    mutating func read() throws(SpecError) -> SweepSpec {
        guard case .object(let root) = document.root else {
            throw SpecError([document.diagnostic("", "expected an object with \"name\", \"workload\", \"grid\" ...")])
        }
        for key in root.keys.sorted() where !key.hasPrefix("//") && !SweepSpec.topLevelKeys.contains(key) {
            report(key, "unknown key" + DidYouMean.suggestion(for: key, among: SweepSpec.topLevelKeys))
        }

        let name = readName(root["name"])
        guard let workload = readWorkload(root["workload"]) else { throw failure }
        schema = Dictionary(uniqueKeysWithValues: workload.parameters.map { ($0.name, $0) })
        isOpen = workload.acceptsOtherParameters

        let base = readParams(root["base"], path: "base")
        let grid = readAxes(root["grid"], path: "grid", positional: false)
        var zip: [[SweepSpec.Axis]] = []
        if let value = root["zip"] {
            if case .array(let groups) = value {
                for (i, group) in groups.enumerated() {
                    let path = "zip[\(i)]"
                    let axes = readAxes(group, path: path, positional: true)
                    if let first = axes.first, axes.contains(where: { $0.values.count != first.values.count }) {
                        let lengths = axes.map { "\($0.param): \($0.values.count)" }.joined(separator: ", ")
                        report(path, "lists in a zip group advance together and must have the same length (\(lengths))")
                    }
                    if !axes.isEmpty { zip.append(axes) }
                }
            } else {
                report("zip", "expected a list of groups, each an object of equally long lists")
            }
        }
        let includeEntries = readList(root["include"], path: "include")
        let include = includeEntries.map { readParams($0.value, path: $0.path) }
        if isOpen {
            let freeParams = root["free_params"]
            if let freeParams, freeParams.boolValue == nil { report("free_params", "expected true or false") }
            if freeParams?.boolValue != true {
                let named = Self.namedParameters(workload, base: base, axes: grid + zip.flatMap { $0 }, sampled: root["sample"])
                for (entry, params) in Swift.zip(includeEntries, include) {
                    for name in params.keys.sorted() where !named.contains(name) {
                        report(entry.path + "." + name, """
                            "\(name)" is named nowhere else in the spec (base, grid, zip, sample or a {placeholder})\
                            \(DidYouMean.suggestion(for: name, among: Array(named))); to pass it anyway, set "free_params": true
                            """)
                    }
                }
            }
        }
        let excludes = readList(root["exclude"], path: "exclude")
        if excludes.count > SweepSpec.maxExcludes {
            report("exclude", "\(excludes.count) entries, more than \(SweepSpec.maxExcludes): every config is checked against each; use lists (\"value\": [1, 2]) to exclude several values at once")
        }
        let exclude = excludes.prefix(SweepSpec.maxExcludes).map { readFilter($0.value, path: $0.path) }
        let seeds = readSeeds(root["seeds"])
        let sample = readSample(root["sample"])
        reportOverlaps(base: base, grid: grid, zip: zip, sampled: sample?.params.map(\.name) ?? [])
        var reportReader = ReportSectionReader(document: document, schema: isOpen ? nil : schema)
        let tables = reportReader.read(root["report"])
        diagnostics += reportReader.diagnostics

        let objective = readObjective(root["objective"])
        let stop = readStop(root["stop"], objective: objective)
        if let sample, sample.method == .tpe {
            checkSearch(crossed: ["grid": !grid.isEmpty, "zip": !zip.isEmpty, "include": !include.isEmpty], seeds: seeds, objective: objective)
            // A trial's curve is one run: the model would see a promoted trial's restart as a second.
            if stop?.pause == true { report("stop.pause", "sample.method tpe stops trials, it does not pause them: remove stop.pause") }
        }

        if !diagnostics.isEmpty { throw failure }
        return SweepSpec(
            name: name, workload: workload, document: document, base: base, grid: grid, zip: zip,
            include: include, exclude: exclude, seeds: seeds, sample: sample, report: tables,
            objective: objective, stop: stop)
    }

    /// A model-based search proposes each config from the results so far: there is one
    /// config per trial, so nothing is crossed with it, and it needs an objective.
    private mutating func checkSearch(crossed: [String: Bool], seeds: [Int], objective: Objective?) {
        for key in ["grid", "zip", "include"] where crossed[key] == true {
            report(key, "sample.method tpe proposes each config from the results so far, so it cannot be crossed with \(key): "
                + "move these parameters into sample.params (a choice), or fix them in base")
        }
        if seeds.count != 1 {
            report("seeds", "sample.method tpe runs each trial once: give one seed (\(seeds.count) given); "
                + "to average over seeds, let the program run them")
        }
        if objective == nil {
            report("sample.method", "tpe needs an objective to optimise: add \"objective\": {\"metric\": \"loss\", \"mode\": \"min\"}")
        }
    }

    /// The parameters an open workload's spec names outside `include`: base, grid and zip
    /// axes, sampled parameters and what their values refer to (`{placeholders}`).
    static func namedParameters(_ workload: any Workload.Type, base: [String: JSONValue], axes: [SweepSpec.Axis],
                                sampled: JSONValue?) -> Set<String> {
        var named = Set(base.keys).union(axes.map(\.param))
        named.formUnion(sampled?["params"]?.objectValue?.keys ?? [:].keys)
        for (param, value) in base { named.formUnion(workload.parametersReferenced(by: value, param: param)) }
        for axis in axes {
            for value in axis.values { named.formUnion(workload.parametersReferenced(by: value, param: axis.param)) }
        }
        return named
    }

    /// Records a problem; the message (which may search for a did-you-mean) is built only
    /// for the first `SpecError.maxDiagnostics`.
    mutating func report(_ path: String, _ message: @autoclosure () -> String) {
        guard diagnostics.count < SpecError.maxDiagnostics else {
            unreported += 1
            return
        }
        diagnostics.append(document.diagnostic(path, message()))
    }

    private var failure: SpecError { SpecError(diagnostics, unreported: unreported) }

    private mutating func readName(_ value: JSONValue?) -> String {
        let stem = document.file.split(separator: "/").last.map { String($0.split(separator: ".").first ?? $0) } ?? "sweep"
        guard let value else {
            if let problem = PlainName.problem(stem) {
                report("", "the file name \"\(stem)\" cannot name the sweep (\(problem)): give the spec a \"name\" of \(PlainName.rule)")
            }
            return stem
        }
        guard let name = value.stringValue, PlainName.isValid(name) else {
            report("name", "expected a name of \(PlainName.rule) (it names the sweep and its report folder)")
            return stem
        }
        return name
    }

    private mutating func readWorkload(_ value: JSONValue?) -> (any Workload.Type)? {
        let names = workloads.map { $0.name }
        guard let value else {
            report("", "missing \"workload\": expected one of " + names.joined(separator: ", "))
            return nil
        }
        guard let name = value.stringValue, let workload = workloads.first(where: { $0.name == name }) else {
            let given = value.stringValue ?? value.kindDescription
            report("workload", "unknown workload \"\(given)\": expected one of \(names.joined(separator: ", "))"
                + DidYouMean.suggestion(for: given, among: names))
            return nil
        }
        return workload
    }

    /// Reads an object of parameters (nested or dotted) into coerced values by name.
    private mutating func readParams(_ value: JSONValue?, path: String) -> [String: JSONValue] {
        guard let value else { return [:] }
        guard case .object = value else {
            report(path, "expected an object of parameters, like {\"epochs\": 10}")
            return [:]
        }
        var flat: [String: JSONValue] = [:]
        JobConfig.flatten(value, prefix: "", into: &flat)
        var params: [String: JSONValue] = [:]
        for (name, raw) in flat.sorted(by: { $0.key < $1.key }) where isParamName(name, path: path + "." + name) {
            if let coerced = coerce(raw, param: name, path: path + "." + name) { params[name] = coerced }
        }
        return params
    }

    /// Reads an object of lists (grid or one zip group) into axes sorted by parameter.
    ///
    /// A grid axis is a set of values, so a repeat is an error; a zip group's lists are
    /// positions (`positional`), so `"lr": [0.1, 0.1, 0.01]` beside `"batch": [32, 64, 64]`
    /// is three configs.
    private mutating func readAxes(_ value: JSONValue?, path: String, positional: Bool) -> [SweepSpec.Axis] {
        guard let value else { return [] }
        guard case .object = value else {
            report(path, "expected an object mapping parameters to lists of values, like {\"seed\": [1, 2]}")
            return []
        }
        var flat: [String: JSONValue] = [:]
        JobConfig.flatten(value, prefix: "", into: &flat)
        var axes: [SweepSpec.Axis] = []
        for (name, raw) in flat.sorted(by: { $0.key < $1.key }) where isParamName(name, path: path + "." + name) {
            let axisPath = path + "." + name
            guard case .array(let items) = raw else {
                report(axisPath, "expected a list of values, got \(raw.kindDescription) (put fixed values in \"base\")")
                continue
            }
            guard !items.isEmpty else {
                report(axisPath, "empty list: an axis needs at least one value")
                continue
            }
            guard name != "seed", schema[name] != nil || isOpen else {
                _ = coerce(items[0], param: name, path: axisPath)  // reports the unknown name once
                continue
            }
            var values: [JSONValue] = []
            var seen = Set<JSONValue>()
            for (i, item) in items.enumerated() {
                guard let v = coerce(item, param: name, path: "\(axisPath)[\(i)]") else { continue }
                if positional || seen.insert(v).inserted {
                    values.append(v)
                } else {
                    report("\(axisPath)[\(i)]", "duplicate value \(v.canonicalText) (a grid axis lists each value once; a zip group may repeat)")
                }
            }
            if values.count == items.count { axes.append(SweepSpec.Axis(param: name, values: values)) }
        }
        return axes
    }

    private mutating func readFilter(_ value: JSONValue, path: String) -> SweepSpec.Filter {
        guard case .object = value else {
            report(path, "expected an object of parameter values to exclude")
            return SweepSpec.Filter(match: [:])
        }
        var flat: [String: JSONValue] = [:]
        JobConfig.flatten(value, prefix: "", into: &flat)
        var match: [String: Set<JSONValue>] = [:]
        for (name, raw) in flat.sorted(by: { $0.key < $1.key }) where isParamName(name, path: path + "." + name) {
            // A list in an exclude entry means "any of these".
            let items = raw.arrayValue ?? [raw]
            let isList = raw.arrayValue != nil
            match[name] = Set(items.enumerated().compactMap { i, item in
                coerce(item, param: name, path: isList ? "\(path).\(name)[\(i)]" : "\(path).\(name)")
            })
        }
        return SweepSpec.Filter(match: match)
    }

    private mutating func readList(_ value: JSONValue?, path: String) -> [(path: String, value: JSONValue)] {
        guard let value else { return [] }
        guard case .array(let items) = value else {
            report(path, "expected a list of objects")
            return []
        }
        return items.enumerated().map { ("\(path)[\($0.offset)]", $0.element) }
    }

    private mutating func readSeeds(_ value: JSONValue?) -> [Int] {
        guard let value else { return [0] }
        switch value {
        case .int(let n) where n >= 1 && n <= 10_000:
            return Array(0..<n)
        case .array(let items) where !items.isEmpty:
            var seeds: [Int] = []
            var seen = Set<Int>()
            for (i, item) in items.enumerated() {
                guard let seed = item.intValue, seed >= 0 else {
                    report("seeds[\(i)]", "expected a non-negative integer seed")
                    continue
                }
                if seen.insert(seed).inserted { seeds.append(seed) } else { report("seeds[\(i)]", "duplicate seed \(seed)") }
            }
            return seeds
        default:
            report("seeds", "expected a count n in 1...10000 (seeds 0..n-1) or a non-empty list of seeds")
            return [0]
        }
    }

    /// Reports a parameter name with an empty dotted part (`a.`, `.a`, `a..b`): two such
    /// names would make one job key or another from run to run. True when `name` is fine.
    mutating func isParamName(_ name: String, path: String) -> Bool {
        guard let problem = JobConfig.nameProblem(name) else { return true }
        report(path, problem)
        return false
    }

    /// Checks a value against the parameter's schema; reports and returns nil if it fails.
    mutating func coerce(_ value: JSONValue, param: String, path: String) -> JSONValue? {
        if param == "seed" {
            report(path, "\"seed\" is set by the top-level \"seeds\" (a count or a list), not as a parameter")
            return nil
        }
        guard let spec = schema[param] else {
            if isOpen { return value }  // a free parameter: the user's program reads it
            let (workload, names) = (document.root["workload"]?.stringValue ?? "", schema.keys)
            report(path, "unknown parameter \"\(param)\" of workload \"\(workload)\""
                + DidYouMean.suggestion(for: param, among: Array(names)))
            return nil
        }
        guard let coerced = spec.coerce(value) else {
            report(path, "expected \(spec.expectation), got \(value.canonicalText.count > 40 ? value.kindDescription : value.canonicalText)")
            return nil
        }
        return coerced
    }

    /// A parameter set in two of base/grid/zip is ambiguous: say which wins instead of guessing.
    private mutating func reportOverlaps(base: [String: JSONValue], grid: [SweepSpec.Axis], zip: [[SweepSpec.Axis]],
                                         sampled: [String]) {
        var seen: [String: String] = [:]
        let sources = [("grid", grid)] + zip.enumerated().map { ("zip[\($0.offset)]", $0.element) }
        for (source, axes) in sources {
            for axis in axes {
                if base[axis.param] != nil {
                    report("\(source).\(axis.param)", "\"\(axis.param)\" is also fixed in base; keep it in one place")
                }
                if let other = seen[axis.param] {
                    report("\(source).\(axis.param)", "\"\(axis.param)\" is already an axis in \(other)")
                }
                seen[axis.param] = source
            }
        }
        for name in sampled {
            if base[name] != nil { report("sample.params.\(name)", "\"\(name)\" is also fixed in base; keep it in one place") }
            if let other = seen[name] { report("sample.params.\(name)", "\"\(name)\" is already an axis in \(other)") }
        }
    }
}
