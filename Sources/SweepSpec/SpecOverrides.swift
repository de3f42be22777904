import SweepCore

/// Command-line overrides that change a spec, in Hydra 1.3's override grammar
/// (`HydraOverrideParser`): `epochs=5` sets a parameter (in `base`), `model=kan,mlp`,
/// `choice(...)` or `range(1,5)` make or replace a grid axis, `lr=interval(0.1,1)` samples it,
/// `+key=v` adds a parameter the spec does not name, `++key=v` sets or adds, `~key` removes;
/// `seeds=3` (or `seeds=0,4`) sets the seeds, `sample.n=50`, `sample.seed=1`, `sample.startup=5`
/// and `sample.method=tpe` change the
/// `sample` section.
///
/// Applying them gives a new spec document (the overridden JSON, with its own name), so
/// the sweep it makes resumes from the store like any other.
public struct SpecOverrides: Sendable {
    /// One argument, parsed.
    public struct Override: Sendable, Equatable {
        /// 1-based position among the overrides, for messages.
        public var position: Int
        public var text: String
        public var parsed: HydraOverride
        public var key: String { parsed.key }

        /// Names the argument in a message: `override 2 (model=cnn)`.
        var label: String { Self.label(position, text) }

        static func label(_ position: Int, _ text: String) -> String {
            "override \(position) (\(text.count > 80 ? String(text.prefix(79)) + "…" : text))"
        }
    }

    public var items: [Override]

    /// The most overrides, and the longest one, accepted.
    public static let maxCount = 100
    public static let maxLength = 4_096

    /// Parses the arguments; throws naming each malformed one.
    public init(_ arguments: [String]) throws(SpecError) {
        var items: [Override] = []
        var problems: [SpecDiagnostic] = []
        var firstByKey: [String: Int] = [:]
        if arguments.count > Self.maxCount {
            throw SpecError([Self.diagnostic("overrides", "\(arguments.count) overrides, more than \(Self.maxCount): put them in a spec")])
        }
        for (i, text) in arguments.enumerated() {
            let label = Override.label(i + 1, text)
            guard text.utf8.count <= Self.maxLength else {
                problems.append(Self.diagnostic(label, "longer than \(Self.maxLength) bytes: put it in a spec"))
                continue
            }
            let parsed: HydraOverride
            do {
                parsed = try HydraOverrideParser.parse(text)
            } catch {
                problems.append(Self.diagnostic(label, "\(error) (overrides are key=value, like epochs=5, model=kan,mlp or seeds=3)"))
                continue
            }
            if let problem = JobConfig.nameProblem(parsed.key) {
                problems.append(Self.diagnostic(label, problem))
                continue
            }
            if let first = firstByKey[parsed.key] {
                problems.append(Self.diagnostic(label, "\"\(parsed.key)\" is already set by override \(first); give it once"))
                continue
            }
            firstByKey[parsed.key] = i + 1
            items.append(Override(position: i + 1, text: text, parsed: parsed))
        }
        guard problems.isEmpty else { throw SpecError(problems) }
        self.items = items
    }


    /// A readable sweep name for `base` with these overrides, such as
    /// `dist-epochs_5-model_kan_mlp`: a plain name. Different override sets never share a
    /// name: where the readable form could stand for another set (`x=1,2` and `x=1_2`, any
    /// character replaced or cut), a hash of the overrides is added.
    public func derivedName(from base: String) -> String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")
        let parts = items.map { item in String(item.text.map { allowed.contains($0) ? $0 : "_" }) }
        let name = ([base] + parts).joined(separator: "-")
        // Decodable: each part is KEY_VALUE with no `_` or `-` of its own, `_` after the key
        // standing for `=` and later ones for `,`.
        let plainCharacters = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.")
        let lossless = items.allSatisfy { item in
            guard case .change = item.parsed.kind, let equals = item.text.firstIndex(of: "=") else { return false }
            let value = item.text[item.text.index(after: equals)...]
            return !value.isEmpty && item.text[..<equals].allSatisfy(plainCharacters.contains)
                && value.allSatisfy { plainCharacters.contains($0) || $0 == "," }
        }
        if lossless, name.count <= PlainName.maxLength, PlainName.isValid(name) { return name }
        let hash = Digest.sha256Hex(items.map(\.text).joined(separator: "\n").utf8).prefix(8)
        return String(name.prefix(PlainName.maxLength - 9)) + "-" + hash
    }

    /// The document with the overrides applied and `name` as its name. Each override is
    /// checked against the workload's parameters first, with the spec's messages, naming
    /// the override; the result is validated again as a whole spec by its reader.
    public func apply(to document: SpecDocument, name: String, workloads: [any Workload.Type]) throws(SpecError) -> SpecDocument {
        guard var root = document.root.objectValue else { throw SpecError([document.diagnostic("", "expected an object")]) }
        let workloadName = root["workload"]?.stringValue ?? ""
        // An open workload (command) takes any parameter: its reader checks the result.
        let workload = workloads.first { $0.name == workloadName }
        let schema = workload.flatMap { $0.acceptsOtherParameters ? nil : $0 }
            .map { Dictionary(uniqueKeysWithValues: $0.parameters.map { ($0.name, $0) }) } ?? [:]
        var base = Self.flat(root["base"])
        var grid = Self.flat(root["grid"])
        var sample = root["sample"]?.objectValue
        var sampled = sample?["params"]?.objectValue ?? [:]
        // What the spec itself names: `+key` may not add these, `~key` removes only these.
        var named = Set(base.keys).union(grid.keys).union(sampled.keys)
        for group in root["zip"]?.arrayValue ?? [] { named.formUnion(Self.flat(group).keys) }
        for entry in root["include"]?.arrayValue ?? [] { named.formUnion(Self.flat(entry).keys) }
        if let workload {
            for (param, value) in base { named.formUnion(workload.parametersReferenced(by: value, param: param)) }
            for (param, values) in grid {
                for value in values.arrayValue ?? [] { named.formUnion(workload.parametersReferenced(by: value, param: param)) }
            }
        }
        // "free_params": true lets key=v name anything, as +key=v does.
        let freeParams = root["free_params"]?.boolValue == true
        var problems: [SpecDiagnostic] = []
        for item in items {
            var problem: String?
            switch item.key {
            case "seeds":
                do throws(Problem) {
                    guard item.parsed.kind != .delete, let value = item.parsed.value else { throw Problem(Self.seedsExpected) }
                    root["seeds"] = try Self.seeds(try Self.values(value))
                } catch {
                    problem = error.message
                }
            case "sample.method":
                if sample == nil {
                    problem = "the spec has no \"sample\" section to change"
                } else if item.parsed.kind != .delete, case .element(.string(let method))? = item.parsed.value {
                    sample?["method"] = .string(method)
                } else {
                    problem = "expected random or tpe"
                }
            case "sample.n", "sample.seed", "sample.startup":
                if sample == nil {
                    problem = "the spec has no \"sample\" section to change"
                } else if item.parsed.kind != .delete, case .element(.int(let n))? = item.parsed.value, n >= 0 {
                    sample?[String(item.key.dropFirst("sample.".count))] = .int(n)
                } else {
                    problem = "expected one non-negative integer"
                }
            case "objective", "stop":
                problem = Self.section(item, root: &root)
            case let key where key.hasPrefix("objective.") || key.hasPrefix("stop."):
                problem = Self.section(item, root: &root)
            case "name", "workload", "grid", "base", "zip", "include", "exclude", "sample", "report", "seed":
                problem = switch item.key {
                case "name": "name the sweep with --name NEW"
                case "seed": "\"seed\" is set by \"seeds\": use seeds=N or seeds=0,4"
                default: "\"\(item.key)\" cannot be overridden: edit the spec"
                }
            default:
                problem = Self.existence(item, named: named, freeParams: freeParams, schema: schema, workload: workloadName)
                    ?? Self.zipMember(item.key, zip: root["zip"])
                guard problem == nil else { break }
                if item.parsed.kind == .delete {
                    problem = Self.delete(item, base: &base, grid: &grid, sampled: &sampled)
                    break
                }
                do throws(Problem) {
                    switch item.parsed.value ?? .element(.string("")) {
                    case .interval(let low, let high):
                        guard sample != nil else {
                            throw Problem("interval() samples the parameter: the spec needs a \"sample\" section (with n)")
                        }
                        try Self.check([.double(low), .double(high)], item, schema: schema, axis: false)
                        base[item.key] = nil
                        grid[item.key] = nil
                        sampled[item.key] = .object(["uniform": .array([.double(low), .double(high)])])
                    case .element(let value):
                        let json = try Self.json(value)
                        try Self.check([json], item, schema: schema, axis: false)
                        sampled[item.key] = nil
                        grid[item.key] = nil
                        base[item.key] = json
                    case let sweep:
                        let values = try Self.values(sweep).map { value throws(Problem) in try Self.json(value) }
                        try Self.check(values, item, schema: schema, axis: true)
                        sampled[item.key] = nil
                        base[item.key] = nil
                        grid[item.key] = .array(values)
                    }
                } catch {
                    problem = error.message
                }
            }
            if let problem { problems.append(Self.diagnostic(item.label, problem)) }
        }
        guard problems.isEmpty else { throw SpecError(problems) }
        root["base"] = base.isEmpty ? nil : .object(base)
        root["grid"] = grid.isEmpty ? nil : .object(grid)
        if sample != nil {
            sample?["params"] = .object(sampled)
            root["sample"] = sampled.isEmpty ? nil : sample.map(JSONValue.object)
        }
        root["name"] = .string(name)
        // Ends in ")", never ".yaml": the text is JSON now, and the file name picks the parser.
        let file = items.isEmpty ? document.file + " (renamed)" : document.file + " (+ " + items.map(\.text).joined(separator: " ") + ")"
        var overridden = try SpecDocument(file: file, text: JSONValue.object(root).canonicalText)
        overridden.origin = document.origin ?? (document.file, document.locations)
        return overridden
    }

    struct Problem: Error {
        let message: String
        init(_ message: String) { self.message = message }
    }

    /// `stop.rule=median`, `objective.mode=min`, `~stop`: a field of the objective or stop
    /// section (made if missing), or the whole section removed. The spec's reader checks the
    /// result.
    private static func section(_ item: Override, root: inout [String: JSONValue]) -> String? {
        let parts = item.key.split(separator: ".", maxSplits: 1).map(String.init)
        let section = parts[0]
        guard parts.count == 2 else {
            guard item.parsed.kind == .delete, item.parsed.value == nil else {
                return "set the fields of \"\(section)\" one by one, like \(section == "stop" ? "stop.rule=asha" : "objective.metric=loss")"
            }
            guard root[section] != nil else { return "the spec has no \"\(section)\" to remove" }
            root[section] = nil
            return nil
        }
        var fields = root[section]?.objectValue ?? [:]
        if item.parsed.kind == .delete {
            guard fields[parts[1]] != nil else { return "the spec has no \"\(item.key)\" to remove" }
            fields[parts[1]] = nil
        } else {
            guard case .element(let value)? = item.parsed.value else { return "expected one value" }
            do throws(Problem) {
                fields[parts[1]] = try json(value)
            } catch {
                return error.message
            }
        }
        root[section] = fields.isEmpty ? nil : .object(fields)
        return nil
    }

    /// Whether the key may be changed, added or removed as the override's kind says (Hydra's
    /// rules: `key=` changes what exists, `+key=` adds what does not, `~key` removes what does).
    private static func existence(_ item: Override, named: Set<String>, freeParams: Bool, schema: [String: ParamSpec],
                                  workload: String) -> String? {
        let key = item.key
        let isNamed = named.contains(key)
        let suggestion = DidYouMean.suggestion(for: key, among: Array(named.union(schema.keys)))
        if !schema.isEmpty, schema[key] == nil {
            return "unknown parameter \"\(key)\" of workload \"\(workload)\"" + suggestion
        }
        switch item.parsed.kind {
        case .change where !isNamed && schema.isEmpty && !freeParams:
            return "the spec has no parameter \"\(key)\"" + (suggestion.isEmpty ? "" : suggestion)
                + "; to add one, write +\(item.text)"
        case .add where isNamed:
            return "the spec already has \"\(key)\": change it with \(item.text.dropFirst()) (or ++ to set or add)"
        case .delete where !isNamed:
            return "the spec has no \"\(key)\" to remove" + suggestion
        default:
            return nil
        }
    }

    private static func zipMember(_ key: String, zip: JSONValue?) -> String? {
        for (i, group) in (zip?.arrayValue ?? []).enumerated() where flat(group)[key] != nil {
            return "\"\(key)\" is a list of zip[\(i)], whose lists advance together: edit the spec"
        }
        return nil
    }

    /// `~key` or `~key=value`: removes the key from base, grid or sample; with a value, only
    /// if the spec holds that value (a grid, the same list).
    private static func delete(_ item: Override, base: inout [String: JSONValue], grid: inout [String: JSONValue],
                               sampled: inout [String: JSONValue]) -> String? {
        let key = item.key
        let current = base[key] ?? grid[key] ?? sampled[key]
        guard let current else { return "\"\(key)\" is set only by include or zip entries: edit the spec" }
        if let expected = item.parsed.value {
            let wanted: JSONValue?
            switch expected {
            case .element(let value): wanted = try? json(value)
            case let sweep: wanted = (try? values(sweep).map { try json($0) }).map(JSONValue.array)
            }
            guard let wanted, wanted == current || (base[key] != nil && JSONValue.array([wanted]) == current) else {
                return "\"\(key)\" is \(current.canonicalText), not \(wanted?.canonicalText ?? "that"): nothing removed"
            }
        }
        base[key] = nil
        grid[key] = nil
        sampled[key] = nil
        return nil
    }

    /// The values of a sweep (a range expanded), or the one value of an element.
    private static func values(_ value: OverrideValue) throws(Problem) -> [HydraValue] {
        do throws(HydraFunctions.Problem) {
            return try HydraFunctions.values(of: value)
        } catch {
            throw Problem(error.message)
        }
    }

    /// The value as the spec stores it: JSON, which has no infinities or NaN.
    private static func json(_ value: HydraValue) throws(Problem) -> JSONValue {
        switch value {
        case .int(let number): return .int(number)
        case .float(let number):
            guard number.isFinite else {
                throw Problem("\(HydraFunctions.text(value)) cannot be stored: specs are JSON, which has no inf or nan")
            }
            return .double(number)
        case .bool(let flag): return .bool(flag)
        case .null: return .null
        case .string(let text): return .string(text)
        case .list(let items): return .array(try items.map { item throws(Problem) in try json(item) })
        case .dict(let items):
            var object: [String: JSONValue] = [:]
            for (key, item) in items { object[key] = try json(item) }
            return .object(object)
        }
    }

    static let seedsExpected = "expected a count n in 1...10000 (seeds 0..n-1) or a list of seeds, like seeds=3 or seeds=0,4"

    /// `seeds=3` is a count, `seeds=0,4` a list: the spec's own forms. A repeated seed is
    /// named, as the spec's reader names it.
    private static func seeds(_ values: [HydraValue]) throws(Problem) -> JSONValue {
        let numbers = values.compactMap { if case .int(let n) = $0 { n } else { nil } }
        guard numbers.count == values.count else { throw Problem(seedsExpected) }
        if numbers.count == 1 {
            guard (1...10_000).contains(numbers[0]) else { throw Problem(seedsExpected) }
            return .int(numbers[0])
        }
        guard numbers.allSatisfy({ $0 >= 0 }) else { throw Problem(seedsExpected) }
        var seen = Set<Int>()
        for (i, seed) in numbers.enumerated() where !seen.insert(seed).inserted {
            throw Problem("duplicate seed \(seed) (value \(i + 1) of the list): give each seed once")
        }
        return .array(numbers.map(JSONValue.int))
    }

    /// Checks the values against the workload's parameter, in the spec reader's words. An
    /// axis lists each value once.
    private static func check(_ values: [JSONValue], _ item: Override, schema: [String: ParamSpec], axis: Bool) throws(Problem) {
        var seen = Set<JSONValue>()
        for value in values {
            let coerced = schema[item.key].map { $0.coerce(value) } ?? value
            guard let coerced else { throw Problem("expected \(schema[item.key]!.expectation), got \(value.canonicalText)") }
            if axis, !seen.insert(coerced).inserted {
                throw Problem("duplicate value \(coerced.canonicalText) (a grid axis lists each value once)")
            }
        }
    }

    static func diagnostic(_ label: String, _ message: String) -> SpecDiagnostic {
        SpecDiagnostic(file: label, location: nil, path: "", message: message)
    }

    private static func flat(_ value: JSONValue?) -> [String: JSONValue] {
        var flat: [String: JSONValue] = [:]
        if let value { JobConfig.flatten(value, prefix: "", into: &flat) }
        return flat
    }
}
