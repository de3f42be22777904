import SweepCore

extension SpecReader {
    static let sampleKeys = ["method", "n", "seed", "startup", "multivariate", "params"]
    static let sampleMethods = SweepSpec.Sample.Method.allCases.map(\.rawValue)
    static let distributions = ["uniform", "log_uniform", "int_uniform", "choice"]

    /// Reads `"sample": {"n": 20, "seed": 0, "params": {"lr": {"log_uniform": [1e-4, 1e-1]}}}`.
    mutating func readSample(_ value: JSONValue?) -> SweepSpec.Sample? {
        guard let value else { return nil }
        guard case .object(let members) = value else {
            report("sample", "expected an object like {\"n\": 20, \"seed\": 0, \"params\": {\"lr\": {\"log_uniform\": [1e-4, 1e-1]}}}")
            return nil
        }
        for key in members.keys.sorted() where !key.hasPrefix("//") && !Self.sampleKeys.contains(key) {
            report("sample.\(key)", "unknown key" + DidYouMean.suggestion(for: key, among: Self.sampleKeys))
        }
        var method = SweepSpec.Sample.Method.random
        if let given = members["method"] {
            if let name = given.stringValue, let known = SweepSpec.Sample.Method(rawValue: name) {
                method = known
            } else {
                let shown = given.stringValue ?? given.canonicalText
                report("sample.method", "unknown method \"\(shown.prefix(40))\": expected one of "
                    + Self.sampleMethods.map { "\"\($0)\"" }.joined(separator: ", ")
                    + DidYouMean.suggestion(for: shown, among: Self.sampleMethods))
            }
        }
        var count = 0
        let most = method == .tpe ? SweepSpec.Sample.maxTrials : SweepSpec.Sample.maxCount
        if let n = members["n"]?.intValue, (1...most).contains(n) {
            count = n
        } else if method == .tpe {
            report("sample.n", "expected the number of trials, an integer in 1...\(most) (each proposal looks at every trial so far)")
        } else {
            report("sample.n", "expected the number of configs to draw, an integer in 1...\(most)")
        }
        var startup = SweepSpec.Sample.defaultStartup
        if let given = members["startup"] {
            if method != .tpe {
                report("sample.startup", "startup is the number of random trials before a model-based search: it needs \"method\": \"tpe\"")
            } else if let s = given.intValue, (1...SweepSpec.Sample.maxTrials).contains(s) {
                startup = s
            } else {
                report("sample.startup", "expected the number of random trials before the model is used, an integer in 1...\(SweepSpec.Sample.maxTrials)")
            }
        }
        var multivariate = true
        if let given = members["multivariate"] {
            if method != .tpe {
                report("sample.multivariate", "multivariate is how a model-based search models the parameters: it needs \"method\": \"tpe\"")
            } else if case .bool(let b) = given {
                multivariate = b
            } else {
                report("sample.multivariate", "expected true (model the parameters jointly, the default) or false (each on its own)")
            }
        }
        var seed: UInt64 = 0
        if let given = members["seed"] {
            if let s = given.intValue, s >= 0 { seed = UInt64(s) } else { report("sample.seed", "expected a non-negative integer") }
        }
        guard case .object(let params)? = members["params"], !params.isEmpty else {
            report("sample.params", "expected an object of parameters and how to draw them, like {\"lr\": {\"log_uniform\": [1e-4, 1e-1]}}")
            return nil
        }
        var drawn: [(name: String, distribution: SweepSpec.Sample.Distribution)] = []
        for (name, spec) in params.sorted(by: { $0.key < $1.key }) where !name.hasPrefix("//") {
            guard isParamName(name, path: "sample.params.\(name)") else { continue }
            if let distribution = readDistribution(spec, param: name, path: "sample.params.\(name)") {
                drawn.append((name, distribution))
            }
        }
        if method == .tpe {
            for (name, distribution) in drawn { checkModelled(distribution, path: "sample.params.\(name)") }
        }
        guard count > 0, drawn.count == params.keys.filter({ !$0.hasPrefix("//") }).count else { return nil }
        var sample = SweepSpec.Sample(count: count, seed: seed, params: drawn, method: method, startup: startup, multivariate: multivariate)
        sample.stated = Set(["startup", "multivariate"].filter { members[$0] != nil })
        return sample
    }

    /// The model works on reals: a span that overflows, or integers past 2^53 (which a
    /// double cannot tell apart), would give it nothing it can model.
    private mutating func checkModelled(_ distribution: SweepSpec.Sample.Distribution, path: String) {
        switch distribution {
        case .uniform(let low, let high):
            if !(high - low).isFinite { report(path + ".uniform", "the span \(low)...\(high) overflows: method tpe needs high - low to be a finite number") }
        case .intUniform(let low, let high):
            let limit = 1 << 53
            if low < -limit || high > limit { report(path + ".int_uniform", "method tpe models integers within ±2^53 (\(limit)); got [\(low), \(high)]") }
        case .logUniform, .choice:
            break
        }
    }

    /// A parameter of an open workload's program, typed by how it is sampled.
    private func freeParameter(_ name: String, sampledBy kind: String) -> ParamSpec? {
        guard isOpen else { return nil }
        switch kind {
        case "int_uniform": return ParamSpec(name, .int(Int.min...Int.max), default: 0, "")
        case "uniform", "log_uniform": return ParamSpec(name, .real(-Double.greatestFiniteMagnitude...Double.greatestFiniteMagnitude), default: 0.0, "")
        default: return ParamSpec(name, .json("any value"), default: .null, "")
        }
    }

    private mutating func readDistribution(_ value: JSONValue, param: String, path: String) -> SweepSpec.Sample.Distribution? {
        let kinds = Self.distributions.joined(separator: ", ")
        guard case .object(let members) = value, members.count == 1, let (kind, argument) = members.first else {
            report(path, "expected one distribution, like {\"uniform\": [0, 0.5]} (one of \(kinds))")
            return nil
        }
        let at = path + "." + kind
        guard param != "seed", let spec = schema[param] ?? freeParameter(param, sampledBy: kind) else {
            _ = coerce(.null, param: param, path: path)  // reports the unknown name, or "seed"
            return nil
        }
        switch kind {
        case "choice":
            guard case .array(let items) = argument, !items.isEmpty else {
                report(at, "expected a non-empty list of values")
                return nil
            }
            var values: [JSONValue] = []
            var seen = Set<JSONValue>()
            for (i, item) in items.enumerated() {
                guard let v = coerce(item, param: param, path: "\(at)[\(i)]") else { continue }
                if seen.insert(v).inserted { values.append(v) } else { report("\(at)[\(i)]", "duplicate value \(v.canonicalText)") }
            }
            return values.count == items.count ? .choice(values) : nil
        case "uniform", "log_uniform", "int_uniform":
            guard case .array(let bounds) = argument, bounds.count == 2 else {
                report(at, "expected two bounds [low, high]")
                return nil
            }
            switch (kind, spec.kind) {
            case ("int_uniform", .int):
                guard let lowValue = coerce(bounds[0], param: param, path: at + "[0]"),
                      let highValue = coerce(bounds[1], param: param, path: at + "[1]") else { return nil }
                // A program's parameter is not coerced by a schema: its bounds are checked here.
                guard let low = lowValue.intValue, let high = highValue.intValue else {
                    report(at, "expected two integer bounds [low, high], got [\(lowValue.canonicalText.prefix(40)), \(highValue.canonicalText.prefix(40))]")
                    return nil
                }
                guard low <= high else {
                    report(at, "the low bound \(low) is above the high bound \(high)")
                    return nil
                }
                return .intUniform(low, high)
            case ("uniform", .real), ("log_uniform", .real):
                guard let lowValue = coerce(bounds[0], param: param, path: at + "[0]"),
                      let highValue = coerce(bounds[1], param: param, path: at + "[1]") else { return nil }
                // A program's parameter is not coerced by a schema: its bounds are checked here.
                guard let low = lowValue.doubleValue, let high = highValue.doubleValue, low.isFinite, high.isFinite else {
                    report(at, "expected two finite numbers [low, high], got [\(lowValue.canonicalText.prefix(40)), \(highValue.canonicalText.prefix(40))]")
                    return nil
                }
                guard low <= high else {
                    report(at, "the low bound \(low) is above the high bound \(high)")
                    return nil
                }
                if kind == "log_uniform" {
                    guard low > 0 else {
                        report(at + "[0]", "log_uniform needs a positive low bound, got \(low)")
                        return nil
                    }
                    return .logUniform(low, high)
                }
                return .uniform(low, high)
            default:
                let use = if case .int = spec.kind { "int_uniform or choice" } else if case .real = spec.kind { "uniform, log_uniform or choice" } else { "choice" }
                report(at, "\(kind) cannot draw \"\(param)\", which takes \(spec.expectation): use \(use)")
                return nil
            }
        default:
            report(at, "unknown distribution \"\(kind)\": expected one of \(kinds)" + DidYouMean.suggestion(for: kind, among: Self.distributions))
            return nil
        }
    }
}
