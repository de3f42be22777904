import SweepCore

/// `key=value` arguments that change a spec from the command line, in Hydra's grammar:
/// `epochs=5` fixes a parameter (in `base`), `model=kan,mlp` makes or replaces a grid
/// axis, `seeds=3` (or `seeds=0,4`) sets the seeds, `sample.n=50` and `sample.seed=1`
/// change the `sample` section. Values are JSON scalars (`5`, `1e-3`, `true`,
/// `"a b"`) or bare strings (`kan`).
///
/// Applying them gives a new spec document (the overridden JSON, with its own name), so
/// the sweep it makes resumes from the store like any other.
public struct SpecOverrides: Sendable {
    /// One `key=value` argument.
    public struct Override: Sendable, Hashable {
        /// 1-based position among the overrides, for messages.
        public var position: Int
        public var text: String
        public var key: String
        public var values: [JSONValue]

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
            guard let equals = text.firstIndex(of: "="), equals != text.startIndex, text.index(after: equals) != text.endIndex else {
                problems.append(Self.diagnostic(label, "expected key=value, like epochs=5, model=kan,mlp or seeds=3"))
                continue
            }
            let key = String(text[..<equals])
            if let problem = JobConfig.nameProblem(key) {
                problems.append(Self.diagnostic(label, problem))
                continue
            }
            if let first = firstByKey[key] {
                problems.append(Self.diagnostic(label, "\"\(key)\" is already set by override \(first); give it once"))
                continue
            }
            firstByKey[key] = i + 1
            let values = text[text.index(after: equals)...].split(separator: ",", omittingEmptySubsequences: false).map { item in
                // A JSON scalar when it parses as one (5, 1e-3, true, "x"), else the text itself.
                let parsed = try? JSONParser.parse(String(item))
                switch parsed {
                case .array?, .object?, nil: return JSONValue.string(String(item))
                case let value?: return value
                }
            }
            items.append(Override(position: i + 1, text: text, key: key, values: values))
        }
        guard problems.isEmpty else { throw SpecError(problems) }
        self.items = items
    }

    static func diagnostic(_ label: String, _ message: String) -> SpecDiagnostic {
        SpecDiagnostic(file: label, location: nil, path: "", message: message)
    }

    /// A readable sweep name for `base` with these overrides, such as
    /// `dist-epochs_5-model_kan_mlp`: a plain name (a hash stands in for what is cut).
    public func derivedName(from base: String) -> String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")
        let parts = items.map { item in String(item.text.map { allowed.contains($0) ? $0 : "_" }) }
        let name = ([base] + parts).joined(separator: "-")
        if name.count <= PlainName.maxLength, PlainName.isValid(name) { return name }
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
        let schema = workloads.first { $0.name == workloadName && !$0.acceptsOtherParameters }
            .map { Dictionary(uniqueKeysWithValues: $0.parameters.map { ($0.name, $0) }) } ?? [:]
        var base = Self.flat(root["base"])
        var grid = Self.flat(root["grid"])
        var sample = root["sample"]?.objectValue
        var sampled = sample?["params"]?.objectValue ?? [:]
        var problems: [SpecDiagnostic] = []
        for item in items {
            let problem: String?
            switch item.key {
            case "seeds":
                switch Self.seeds(item.values) {
                case .success(let seeds):
                    root["seeds"] = seeds
                    problem = nil
                case .failure(let message):
                    problem = message.text
                }
            case "sample.n", "sample.seed":
                if sample == nil {
                    problem = "the spec has no \"sample\" section to change"
                } else if item.values.count == 1, let n = item.values[0].intValue, n >= 0 {
                    sample?[String(item.key.dropFirst("sample.".count))] = .int(n)
                    problem = nil
                } else {
                    problem = "expected one non-negative integer"
                }
            case "name", "workload", "grid", "base", "zip", "include", "exclude", "sample", "report":
                problem = item.key == "name" ? "name the sweep with --name NEW" : "\"\(item.key)\" cannot be overridden: edit the spec"
            default:
                problem = Self.param(item, schema: schema, workload: workloadName, zip: root["zip"])
                if problem == nil {
                    sampled[item.key] = nil
                    if item.values.count == 1 {
                        grid[item.key] = nil
                        base[item.key] = item.values[0]
                    } else {
                        base[item.key] = nil
                        grid[item.key] = .array(item.values)
                    }
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
        return try SpecDocument(file: file, text: JSONValue.object(root).canonicalText)
    }

    /// Why an override is wrong, as a `Result`'s failure.
    private struct Problem: Error {
        var text: String
    }

    /// `seeds=3` is a count, `seeds=0,4` a list: the spec's own forms. A repeated seed is
    /// named, as the spec's reader names it.
    private static func seeds(_ values: [JSONValue]) -> Result<JSONValue, Problem> {
        let expected = Problem(text: "expected a count n in 1...10000 (seeds 0..n-1) or a list of seeds, like seeds=3 or seeds=0,4")
        let numbers = values.compactMap(\.intValue)
        guard numbers.count == values.count else { return .failure(expected) }
        if numbers.count == 1 { return (1...10_000).contains(numbers[0]) ? .success(.int(numbers[0])) : .failure(expected) }
        guard numbers.allSatisfy({ $0 >= 0 }) else { return .failure(expected) }
        var seen = Set<Int>()
        for (i, seed) in numbers.enumerated() where !seen.insert(seed).inserted {
            return .failure(Problem(text: "duplicate seed \(seed) (value \(i + 1) of the list): give each seed once"))
        }
        return .success(.array(numbers.map(JSONValue.int)))
    }

    /// Why a parameter override is wrong, in the spec reader's words, or nil. On success
    /// the override's values are already the coerced ones the spec would hold.
    private static func param(_ item: Override, schema: [String: ParamSpec], workload: String, zip: JSONValue?) -> String? {
        if item.key == "seed" { return "\"seed\" is set by \"seeds\": use seeds=N or seeds=0,4" }
        guard let spec = schema[item.key] else {
            guard !schema.isEmpty else { return nil }  // the spec's reader reports the unknown workload
            return "unknown parameter \"\(item.key)\" of workload \"\(workload)\""
                + DidYouMean.suggestion(for: item.key, among: Array(schema.keys))
        }
        for (i, group) in (zip?.arrayValue ?? []).enumerated() where flat(group)[item.key] != nil {
            return "\"\(item.key)\" is a list of zip[\(i)], whose lists advance together: edit the spec"
        }
        var seen = Set<JSONValue>()
        for value in item.values {
            guard let coerced = spec.coerce(value) else {
                return "expected \(spec.expectation), got \(value.canonicalText)"
            }
            if !seen.insert(coerced).inserted {
                return "duplicate value \(coerced.canonicalText) (a grid axis lists each value once)"
            }
        }
        return nil
    }

    private static func flat(_ value: JSONValue?) -> [String: JSONValue] {
        var flat: [String: JSONValue] = [:]
        if let value { JobConfig.flatten(value, prefix: "", into: &flat) }
        return flat
    }
}
