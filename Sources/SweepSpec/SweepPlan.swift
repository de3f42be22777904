import Foundation
import SweepCore

/// One job of a sweep: a resolved config (every parameter, plus `seed`) and its key.
public struct PlannedJob: Sendable, Hashable {
    /// Hex SHA-256 of the canonical `{workload, version, config}`: equal configs share it.
    public var key: String
    public var workload: String
    public var config: JobConfig

    /// The job key for a workload and a resolved config.
    public static func key(workload: String, version: Int, config: JobConfig) -> String {
        config.key(workload: workload, version: version)
    }
}

/// The jobs a spec expands to, in a stable order, without duplicates.
public struct SweepPlan: Sendable {
    public var spec: SweepSpec
    public var jobs: [PlannedJob]
    /// Parameters (never `seed`) whose value differs between jobs.
    public var varying: [String]
    /// Configs dropped because an earlier one resolved to the same values.
    public var duplicates: Int
    /// Configs dropped by `exclude`.
    public var excluded: Int
    /// A model-based search (`sample.method` tpe): its trials are proposed while the sweep
    /// runs, so `jobs` is empty and this says what each trial starts from.
    public var search: SearchPlan?

    /// The default of `sweep launch --max-jobs`: the most jobs a spec may expand to.
    public static let defaultMaxJobs = 100_000
    /// The most `--max-jobs` may raise the cap to: planning holds every job in memory
    /// (about 1.6 KB each, so 1.6 GB at this cap; 10^7 jobs took 7 GB).
    public static let maxJobsCeiling = 1_000_000
}

/// What a model-based search needs to make its trials: every trial's config is
/// `template` with the proposed values of `sample.params` put in.
public struct SearchPlan: Sendable {
    /// Defaults + base, resolved by the workload (a `command`'s file hashes), with `seed`.
    public var template: JobConfig
    public var workload: String
    public var version: Int
    public var sample: SweepSpec.Sample
    public var objective: Objective
    public var stop: StopSettings?

    /// What makes it the same search: template, method, seed, startup and the
    /// distributions, not `n` (raising n continues it). Stored as the sweep's plan hash, so
    /// a relaunch with another search space starts a new search.
    public var identity: String {
        let params = sample.params.map { "\($0.name)=\($0.distribution.text)" }.joined(separator: ";")
        let text = "\(sample.method.rawValue)\(sample.multivariate ? " multivariate" : "")\nseed \(sample.seed)\nstartup \(sample.startup)\n\(params)\n"
            + template.key(workload: workload, version: version)
        return "search-" + Digest.sha256Hex(text.utf8)
    }
}

extension SweepSpec {
    /// The template of a model-based search (see `SearchPlan`), checked like any config.
    func searchPlan(_ sample: Sample) throws(SpecError) -> SweepPlan {
        guard let objective else {
            throw SpecError([document.diagnostic("sample.method", "tpe needs an objective")])
        }
        let defaults = Dictionary(uniqueKeysWithValues: workload.parameters.map { ($0.name, $0.defaultValue) })
        let config = defaults.merging(base) { $1 }
        // Checked with each searched parameter at its low bound (or first value): what
        // refers to it (a command's {placeholder}) must find it.
        var probe = config
        for (name, distribution) in sample.params {
            probe[name] = switch distribution {
            case .uniform(let low, _), .logUniform(let low, _): .double(low)
            case .intUniform(let low, _): .int(low)
            case .choice(let values): values[0]
            }
        }
        let problems = workload.problems(in: JobConfig(probe))
        guard problems.isEmpty else {
            throw SpecError(problems.map { document.diagnostic(anchor(of: $0.param, in: ""), "\($0.param): \($0.message)") })
        }
        let resolved: JobConfig
        do {
            resolved = try workload.resolve([JobConfig(config)], specFolder: document.folder)[0]
        } catch {
            throw SpecError([document.diagnostic("base.\(error.param)", "\(error.param): \(error.message)")])
        }
        var values = resolved.values
        values["seed"] = .int(seeds.first ?? 0)
        let search = SearchPlan(template: JobConfig(values), workload: workload.name, version: workload.version, sample: sample,
                                objective: objective, stop: stop)
        return SweepPlan(spec: self, jobs: [], varying: sample.params.map(\.name), duplicates: 0, excluded: 0, search: search)
    }

    /// Expands the spec into jobs: grid x zip (+ include), minus exclude, times seeds.
    ///
    /// Throws when `jobCount` is above `maxJobs` (before expanding anything), when a
    /// resolved config fails its workload's cross-parameter checks, or when nothing is
    /// left to run. Identical configs (a zip repeating a position, an include repeating a
    /// grid point) become one job, counted in `duplicates`.
    public func plan(maxJobs: Int = SweepPlan.defaultMaxJobs) throws(SpecError) -> SweepPlan {
        let count = jobCount
        guard count <= maxJobs else {
            let shown = count == .max ? "more than \(Int.max)" : "\(count)"
            let anchor = !grid.isEmpty ? "grid" : !zip.isEmpty ? "zip" : sample != nil ? "sample" : !include.isEmpty ? "include" : "seeds"
            throw SpecError([document.diagnostic(anchor, "the spec expands to \(shown) jobs (\(countBreakdown)), "
                + "more than the cap of \(maxJobs): sweep fewer values, or raise the cap with --max-jobs N")])
        }
        if let sample, sample.method == .tpe { return try searchPlan(sample) }
        let defaults = Dictionary(uniqueKeysWithValues: workload.parameters.map { ($0.name, $0.defaultValue) })
        var configs: [[String: JSONValue]] = []
        var sources: [String] = []
        for combination in combinations() {
            configs.append(defaults.merging(base) { $1 }.merging(combination) { $1 })
            sources.append("")
        }
        for (i, entry) in include.enumerated() {
            configs.append(defaults.merging(base) { $1 }.merging(entry) { $1 })
            sources.append("include[\(i)]")
        }

        var excluded = 0
        var seen = Set<[String: JSONValue]>()
        var duplicates = 0
        var kept: [([String: JSONValue], String)] = []
        for (config, source) in Swift.zip(configs, sources) {
            if exclude.contains(where: { $0.matches(config) }) {
                excluded += 1
            } else if seen.insert(config).inserted {
                kept.append((config, source))
            } else {
                duplicates += 1
            }
        }
        guard !kept.isEmpty else {
            throw SpecError([document.diagnostic("exclude", "every config is excluded: the sweep would have no jobs")])
        }

        let names = workload.acceptsOtherParameters ? Set(kept.flatMap { $0.0.keys }).sorted() : workload.parameters.map(\.name)
        let varying = names.filter { name in
            Set(kept.map { $0.0[name] }).count > 1
        }
        // The same problem in many configs (a misspelt placeholder) is reported once, with
        // the first config it was found in and how many share it.
        var found: [String: (anchor: String, which: String, count: Int)] = [:]
        var order: [String] = []
        for (config, source) in kept {
            for problem in workload.problems(in: JobConfig(config)) {
                let text = "\(problem.param): \(problem.message)"
                if found[text] == nil {
                    order.append(text)
                    found[text] = (anchor(of: problem.param, in: source), source.isEmpty ? Self.describe(config, varying: varying) : source, 0)
                }
                found[text]!.count += 1
            }
        }
        let diagnostics = order.map { text in
            let (anchor, which, count) = found[text]!
            let scope = count == kept.count && count > 1 ? "every config (\(count))"
                : count > 1 ? "config \(which) and \(count - 1) more" : "config \(which)"
            return document.diagnostic(anchor, "\(scope): \(text)")
        }
        guard diagnostics.isEmpty else { throw SpecError(diagnostics.sorted { $0.message < $1.message }) }

        let resolved: [JobConfig]
        do {
            resolved = try workload.resolve(kept.map { JobConfig($0.0) }, specFolder: document.folder)
        } catch {
            throw SpecError([document.diagnostic("base.\(error.param)", "\(error.param): \(error.message)")])
        }
        var jobs: [PlannedJob] = []
        jobs.reserveCapacity(kept.count * seeds.count)
        func add(_ config: JobConfig, seed: Int) {
            var values = config.values
            values["seed"] = .int(seed)
            let jobConfig = JobConfig(values)
            jobs.append(PlannedJob(
                key: PlannedJob.key(workload: workload.name, version: workload.version, config: jobConfig),
                workload: workload.name, config: jobConfig))
        }
        // Jobs run in plan order. A stop rule judges each job against those that reached its
        // rung first, so it gets every configuration's first seed before any second one (as
        // Ray Tune repeats its grid `num_samples` times); config by config, a configuration's
        // seeds would start back to back and mostly be judged against each other.
        if stop != nil {
            for seed in seeds { for config in resolved { add(config, seed: seed) } }
        } else {
            for config in resolved { for seed in seeds { add(config, seed: seed) } }
        }
        return SweepPlan(spec: self, jobs: jobs, varying: varying, duplicates: duplicates, excluded: excluded)
    }

    /// Where a config's parameter was set, for the position of a problem with it: its
    /// include entry, grid axis, zip group or base (each falling back to the enclosing value).
    private func anchor(of param: String, in source: String) -> String {
        if !source.isEmpty { return source + "." + param }
        if grid.contains(where: { $0.param == param }) { return "grid." + param }
        if let group = zip.firstIndex(where: { $0.contains { $0.param == param } }) { return "zip[\(group)]." + param }
        return "base." + param
    }

    /// How many jobs the spec expands to before `exclude` and duplicates are dropped:
    /// (grid sizes x zip lengths x sample n + includes) x seeds, saturating at `Int.max`.
    /// Computed from the axes' sizes alone, so a spec of 10^9 jobs is refused without
    /// expanding it.
    public var jobCount: Int {
        var configs = !hasAxes ? (include.isEmpty ? 1 : 0) : 1
        for size in grid.map(\.values.count) + zip.map({ $0[0].values.count }) + [sample?.count ?? 1] {
            configs = Self.saturatingProduct(configs, size)
        }
        let (withIncludes, overflow) = configs.addingReportingOverflow(include.count)
        return Self.saturatingProduct(overflow ? .max : withIncludes, seeds.count)
    }

    /// `grid 1000 x 1000 x 1000, zip 3, 2 includes, 4 seeds`: how `jobCount` is made up.
    var countBreakdown: String {
        var parts: [String] = []
        if !grid.isEmpty { parts.append("grid " + grid.map { "\($0.values.count)" }.joined(separator: " x ")) }
        if !zip.isEmpty { parts.append("zip " + zip.map { "\($0[0].values.count)" }.joined(separator: " x ")) }
        if let sample { parts.append("sample \(sample.count)") }
        if !include.isEmpty { parts.append("\(include.count) includes") }
        parts.append(seeds.count == 1 ? "1 seed" : "\(seeds.count) seeds")
        return parts.joined(separator: ", ")
    }

    private static func saturatingProduct(_ a: Int, _ b: Int) -> Int {
        let (product, overflow) = a.multipliedReportingOverflow(by: b)
        return overflow ? .max : product
    }

    /// Whether the spec has a grid, zip groups or a sample (else it is `base` or `include`).
    var hasAxes: Bool { !grid.isEmpty || !zip.isEmpty || sample != nil }

    /// Every grid combination crossed with every zip position and every sample draw.
    /// Without any of them it is `base` alone, unless `include` lists the configs: then
    /// those are the sweep.
    func combinations() -> [[String: JSONValue]] {
        if !hasAxes, !include.isEmpty { return [] }
        var result: [[String: JSONValue]] = [[:]]
        for axis in grid {
            result = result.flatMap { partial in
                axis.values.map { value in partial.merging([axis.param: value]) { $1 } }
            }
        }
        for group in zip {
            let length = group[0].values.count
            result = result.flatMap { partial in
                (0..<length).map { position in
                    partial.merging(group.map { ($0.param, $0.values[position]) }) { $1 }
                }
            }
        }
        if let draws = sample?.draws() {
            result = result.flatMap { partial in draws.map { partial.merging($0) { $1 } } }
        }
        return result
    }

    static func describe(_ config: [String: JSONValue], varying: [String]) -> String {
        let shown = varying.isEmpty ? Array(config.keys).sorted() : varying
        return "(" + shown.map { "\($0)=\(config[$0]?.displayText ?? "?")" }.joined(separator: ", ") + ")"
    }
}

extension JSONValue {
    /// A value as people write it in tables: strings unquoted, reals shortest.
    public var displayText: String {
        switch self {
        case .string(let s): return s
        case .double(let d): return d.rounded() == d && abs(d) < 1e15 ? String(Int(d)) + ".0" : d.description
        default: return canonicalText
        }
    }

    /// A table column as it is shown: reals (sampled ones carry 17 digits) with the fewest
    /// significant digits, at least 4, that still tell every distinct value apart, so
    /// rounding never makes two configurations look the same. Missing values show as "".
    public static func displayTexts(_ column: [JSONValue?]) -> [String] {
        var reals = Set<Double>()
        for case .double(let d)? in column where !(d.rounded() == d && abs(d) < 1e15) { reals.insert(d) }
        var digits = 17
        for candidate in 4..<17 where Set(reals.map { String(format: "%.\(candidate)g", $0) }).count == reals.count {
            digits = candidate
            break
        }
        return column.map { value in
            guard let value else { return "" }
            if case .double(let d) = value, reals.contains(d) { return digits == 17 ? d.description : String(format: "%.\(digits)g", d) }
            return value.displayText
        }
    }
}
