import SweepCore
import SweepReport

/// A validated sweep spec: a workload, fixed parameters, axes to combine, extra configs,
/// filters and seeds. Build one with `SweepSpec(document:workloads:)`, then `plan()` it.
///
/// Semantics: every config is defaults + `base` + one grid combination + one position of
/// each `zip` group; an `include` entry is defaults + `base` + the entry; a config that
/// matches every key of an `exclude` entry is dropped; each config runs once per seed.
/// A spec with neither grid nor zip runs `base` alone, or only its `include` entries.
public struct SweepSpec: Sendable {
    /// One axis: a parameter and the values it takes.
    public struct Axis: Sendable, Hashable {
        public var param: String
        public var values: [JSONValue]
    }

    /// A filter: a config is excluded when, for every param, its value is one of these.
    public struct Filter: Sendable, Hashable {
        public var match: [String: Set<JSONValue>]

        func matches(_ config: [String: JSONValue]) -> Bool {
            match.allSatisfy { param, values in config[param].map(values.contains) ?? false }
        }
    }

    public var name: String
    public var workload: any Workload.Type
    public var document: SpecDocument
    public var base: [String: JSONValue]
    public var grid: [Axis]
    public var zip: [[Axis]]
    public var include: [[String: JSONValue]]
    public var exclude: [Filter]
    public var seeds: [Int]
    /// Random configs crossed with the grid (see `Sample`), or nil.
    public var sample: Sample?
    /// The tables of the `report` section, for `sweep report` (empty: the default table).
    public var report: [TableSpec]
    /// What the sweep optimises (`objective`), if it says.
    public var objective: Objective?
    /// The early-stopping rule (`stop`), if any; it needs `objective`.
    public var stop: StopSettings?

    /// The most `exclude` entries a spec may have: each config is checked against each.
    public static let maxExcludes = 1_000

    static let topLevelKeys = [
        "name", "workload", "description", "base", "grid", "zip", "include", "exclude", "seeds", "sample", "report", "free_params",
        "objective", "stop",
    ]

    /// Reads and validates the spec at `path` against the workloads' parameter schemas.
    public init(contentsOf path: String, workloads: [any Workload.Type]) throws(SpecError) {
        try self.init(document: SpecDocument(contentsOf: path), workloads: workloads)
    }

    /// Validates a parsed spec, collecting every problem before throwing.
    public init(document: SpecDocument, workloads: [any Workload.Type]) throws(SpecError) {
        var reader = SpecReader(document: document, workloads: workloads)
        self = try reader.read()
    }

    init(
        name: String, workload: any Workload.Type, document: SpecDocument, base: [String: JSONValue],
        grid: [Axis], zip: [[Axis]], include: [[String: JSONValue]], exclude: [Filter], seeds: [Int],
        sample: Sample?, report: [TableSpec], objective: Objective? = nil, stop: StopSettings? = nil
    ) {
        self.name = name
        self.workload = workload
        self.document = document
        self.base = base
        self.grid = grid
        self.zip = zip
        self.include = include
        self.exclude = exclude
        self.seeds = seeds
        self.sample = sample
        self.report = report
        self.objective = objective
        self.stop = stop
    }
}
