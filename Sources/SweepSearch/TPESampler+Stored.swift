import SweepCore

extension TPESampler.Settings {
    /// As stored with a search when its first trial is recorded:
    /// `{"candidates":24,"multivariate":true,"prior_weight":1.0,"startup":10}`. Every
    /// setting that changes a proposal is in it, so a search resumed by a later sweep
    /// whose defaults differ still proposes as it began.
    public var stored: JSONValue {
        .object(["startup": .int(startup), "candidates": .int(candidates), "prior_weight": .double(priorWeight),
                 "multivariate": .bool(multivariate)])
    }

    /// Settings read back from `stored`, or nil when a value is missing or out of range (a
    /// store edited by hand): a search must not go on with settings it was not proposed with.
    public init?(stored value: JSONValue) {
        guard case .object(let members) = value,
              let startup = members["startup"]?.intValue, (1...Self.mostTrials).contains(startup),
              let candidates = members["candidates"]?.intValue, (1...Self.mostCandidates).contains(candidates),
              let priorWeight = members["prior_weight"]?.doubleValue, priorWeight.isFinite, priorWeight > 0, priorWeight <= 1_000,
              case .bool(let multivariate)? = members["multivariate"]
        else { return nil }
        self.init(startup: startup, candidates: candidates, priorWeight: priorWeight, multivariate: multivariate)
    }

    /// What proposed the trials of a search recorded before its settings were stored:
    /// each parameter on its own (the default until 7 December 2026), 24 candidates, prior
    /// weight 1; `startup` is the spec's (it is part of the search's identity, so a
    /// search whose startup changed is another search).
    public static func beforeStoredSettings(startup: Int) -> Self {
        Self(startup: startup, candidates: 24, priorWeight: 1.0, multivariate: false)
    }

    /// Bounds on stored values: a model-based search has at most 10,000 trials, and more
    /// candidates than that per proposal would only cost time.
    static let mostTrials = 10_000
    static let mostCandidates = 10_000
}
