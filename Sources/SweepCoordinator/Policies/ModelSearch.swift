import SweepCore
import SweepSearch

/// A model-based search (`"sample": {"method": "tpe"}`): what the coordinator needs to
/// propose trials, each a job made from `template` and the proposed values.
public struct ModelSearch: Sendable {
    /// One searched parameter.
    public struct Parameter: Sendable {
        public var name: String
        public var dimension: SearchDimension
        /// A choice's values, by index (empty for numbers).
        public var choices: [JSONValue]

        public init(name: String, dimension: SearchDimension, choices: [JSONValue] = []) {
            self.name = name
            self.dimension = dimension
            self.choices = choices
        }

        /// The JSON value at an internal coordinate.
        func value(at coordinate: Double) -> JSONValue {
            let v = dimension.value(at: coordinate)
            switch dimension {
            case .uniform, .logUniform: return .double(v)
            case .intUniform: return .int(Int(v))
            case .choice: return choices[Int(v)]
            }
        }

        /// The internal coordinate of a stored config's value, or nil if it is not one this
        /// parameter could have proposed.
        func coordinate(of value: JSONValue?) -> Double? {
            guard let value else { return nil }
            switch dimension {
            case .uniform, .logUniform:
                return value.doubleValue.map { dimension.coordinate(of: $0) }
            case .intUniform:
                return value.intValue.map(Double.init)
            case .choice:
                return choices.firstIndex(of: value).map(Double.init)
            }
        }
    }

    public var parameters: [Parameter]
    /// Every trial's config before the proposed values are put in (with `seed`).
    public var template: JobConfig
    public var workload: String
    public var version: Int
    /// Trials to run in all (`sample.n`).
    public var trials: Int
    public var startup: Int
    public var seed: UInt64
    public var objective: Objective
    /// The sweep's stop rule: with one, the model is fit at the largest rung with enough
    /// values (BOHB), so stopped trials inform it.
    public var stop: StopSettings?
    /// Model the parameters jointly (`TPESampler.Settings.multivariate`).
    public var multivariate: Bool
    /// Candidates per proposal and the prior's weight: no spec sets them, a resumed
    /// search takes its stored ones.
    public var candidates = 24
    public var priorWeight = 1.0

    /// The sampler's settings, stored with the first trial so a resume proposes alike.
    public var settings: TPESampler.Settings {
        TPESampler.Settings(startup: startup, candidates: candidates, priorWeight: priorWeight, multivariate: multivariate)
    }

    /// `settings` as stored with the search.
    var storedSettings: JSONValue { settings.stored }

    public init(parameters: [Parameter], template: JobConfig, workload: String, version: Int, trials: Int, startup: Int,
                seed: UInt64, objective: Objective, stop: StopSettings?, multivariate: Bool = true) {
        self.multivariate = multivariate
        self.parameters = parameters
        self.template = template
        self.workload = workload
        self.version = version
        self.trials = trials
        self.startup = startup
        self.seed = seed
        self.objective = objective
        self.stop = stop
    }

    /// Trial k's generator: from the seed and k alone, so a trial proposed again after a
    /// crash (its proposal was never stored) draws the same numbers.
    func generator(trial: Int) -> SplitMix64 {
        SplitMix64(seed: seed ^ (UInt64(trial) &* 0xD1B5_4A32_D192_ED03))
    }
}
